import TestKit
import Testing

@testable import Tensor

/// Kernels that split rows over threads once the work is large give the same values and gradients with one
/// thread and with two.
@Suite struct ParallelKernelTests {
    private func valuesAndGradients(threads: Int, _ function: (Tensor, Tensor) -> Tensor) -> [[Float]] {
        withBLASThreads(threads) {
            #expect(Parallel.workers(items: 128, costPerItem: 256 * 3) == threads, "128 rows of 256 go parallel")
            let x = randomTensor([2, 64, 256], seed: 1)
            let weight = randomTensor([256], seed: 2)
            let output = function(x, weight)
            output.backward(gradient: randomTensor(output.shape, seed: 3, requiresGrad: false))
            return [output.scalars, x.grad?.scalars ?? [], weight.grad?.scalars ?? []]
        }
    }

    @Test func rowKernelsAgreeAcrossThreadCounts() {
        let kernels: [(Tensor, Tensor) -> Tensor] = [
            { x, weight in Tensor.rmsNorm(x, weight: weight) },
            { x, weight in
                Tensor.rope(x, positions: Array(0..<64), headDim: 64, base: 10_000, convention: .halfSplit) * weight
            },
            { x, weight in Tensor.swiglu(gate: x, up: x * weight) },
        ]
        for kernel in kernels {
            let parallel = self.valuesAndGradients(threads: 2, kernel)
            let serial = self.valuesAndGradients(threads: 1, kernel)
            for (a, b) in zip(parallel, serial) {
                expectClose(a, b, tolerance: 1e-6)
            }
        }
    }
}

/// `BLAS.parallelGemm` splits C over threads along rows or columns; every transpose combination, with alpha and
/// an accumulating beta, gives what one `gemm` call gives.
@Suite struct ParallelGemmTests {
    @Test func splitProductsMatchOneCall() {
        // (m, n, k): split along columns (n ≥ m), along rows, and an uneven extent that is not a multiple of 16.
        for (m, n, k) in [(40, 300, 200), (300, 40, 200), (37, 331, 190)] {
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
                let a = randomTensor([m * k], seed: 1, requiresGrad: false)
                let b = randomTensor([k * n], seed: 2, requiresGrad: false)
                let initial = randomTensor([m * n], seed: 3, requiresGrad: false)
                let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
                func product(parallel: Bool) -> [Float] {
                    let c = initial.detached()
                    withBLASThreads(2) {
                        let gemm = parallel ? BLAS.parallelGemm : BLAS.gemm
                        gemm(
                            transposeA, transposeB, m, n, k, 0.5, UnsafePointer(a.pointer), lda,
                            UnsafePointer(b.pointer), ldb, 1, c.pointer, n)
                    }
                    return c.scalars
                }
                expectClose(product(parallel: true), product(parallel: false), tolerance: 1e-5)
            }
        }
    }
}
