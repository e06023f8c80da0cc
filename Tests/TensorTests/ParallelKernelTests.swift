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
