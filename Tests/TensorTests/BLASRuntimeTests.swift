import TestKit
import Testing

@testable import Tensor

@Suite struct BLASRuntimeTests {
    @Test func threadCountRoundTrips() {
        withBLASThreads(2) {
            #expect(BLASRuntime.threads == 2)
            BLASRuntime.setThreads(1)
            #expect(BLASRuntime.threads == 1)
            BLASRuntime.setThreads(0)
            #expect(BLASRuntime.threads == 1, "a thread count below 1 is clamped")
        }
    }

    @Test func coreNameIsReported() {
        #expect(!BLASRuntime.coreName.isEmpty)
        #expect(BLASRuntime.configuration.contains("OpenBLAS"))
    }
}
