import Testing

@testable import Tensor

@Suite struct BLASKernelAdviceTests {
    @Test func namesAKernelWhenOpenBLASFellBackBelowTheCPU() throws {
        let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f"]
        let prescott = try #require(BLASKernelAdvice.advice(coreName: "Prescott", cpuFlags: avx512))
        #expect(prescott.contains("OPENBLAS_CORETYPE=SkylakeX"))
        let avx2 = try #require(BLASKernelAdvice.advice(coreName: "Prescott", cpuFlags: ["avx2", "fma"]))
        #expect(avx2.contains("OPENBLAS_CORETYPE=Haswell"))
    }

    @Test func isSilentWhenTheKernelMatchesOrTheCPUHasNoAVX2() {
        #expect(BLASKernelAdvice.advice(coreName: "SkylakeX", cpuFlags: ["avx2", "fma", "avx512f"]) == nil)
        #expect(BLASKernelAdvice.advice(coreName: "Haswell", cpuFlags: ["avx2", "fma"]) == nil)
        #expect(BLASKernelAdvice.advice(coreName: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
    }
}
