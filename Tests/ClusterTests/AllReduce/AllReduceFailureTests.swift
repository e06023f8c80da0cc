import Foundation
import Testing

@testable import Cluster

@Suite("Ring all-reduce with a lost peer")
struct AllReduceFailureTests {
    @Test("a member that stops mid-training makes the others time out within the limit")
    func memberStops() throws {
        var settings = AllReduceSettings()
        settings.timeout = .milliseconds(400)
        let started = ContinuousClock.now
        let results = try RingHarness.run(worldSize: 3, settings: settings) { rank, group in
            var values = [Float](repeating: Float(rank), count: 1000)
            try group.sum(&values)  // step 1: everyone takes part
            guard rank != 2 else { return ContinuousClock.now - started }  // rank 2 dies before step 2
            let before = ContinuousClock.now
            try group.sum(&values)
            return ContinuousClock.now - before
        }
        #expect(try results[2].get() >= .zero)
        for rank in 0..<2 {
            #expect {
                _ = try results[rank].get()
            } throws: { error in
                guard case .peerTimeout(let who, _, let milliseconds) = error as? AllReduceError else { return false }
                return who == rank && milliseconds == 400 && (error as? AllReduceError)?.isRetryable == true
            }
        }
        // Both survivors gave up after about one timeout (each blocked receive waits at most 400 ms).
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("the error becomes a retryable trial failure")
    func trialFailure() {
        let error = AllReduceError.peerTimeout(rank: 0, peer: 1, milliseconds: 100)
        #expect(error.trialRunError.retryable)
        #expect(!AllReduceError.replicasDiverged(step: 3, checksums: [1, 2]).trialRunError.retryable)
        #expect(error.trialRunError.message.contains("peer rank 1"))
    }
}
