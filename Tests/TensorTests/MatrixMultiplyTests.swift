import TestKit
import Testing

@testable import Tensor

@Suite struct MatrixMultiplyTests {
    @Test func matmulReferenceValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([7, 8, 9, 10, 11, 12], shape: [3, 2])
        expectClose(Tensor.matmul(a, b).scalars, [58, 64, 139, 154])
        // aᵀ·a with the transpose flag: [3,2]·[2,3]
        expectClose(Tensor.matmul(a, a, transposeA: true).scalars, [17, 22, 27, 22, 29, 36, 27, 36, 45])
        #expect(Tensor.matmul(a, a, transposeB: true).shape == [2, 2])
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulGradients(transposeA: Bool, transposeB: Bool) {
        let a = randomTensor(transposeA ? [4, 3] : [3, 4], seed: 4)
        let b = randomTensor(transposeB ? [5, 4] : [4, 5], seed: 5)
        checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
    }

    @Test func matmulFlattensLeadingDimensions() {
        let a = randomTensor([2, 3, 4], seed: 1)
        let b = randomTensor([4, 2], seed: 2)
        #expect(Tensor.matmul(a, b).shape == [2, 3, 2])
        checkGradients([a, b]) { Tensor.matmul($0[0], $0[1]) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batchedMatmulGradients(transposeA: Bool, transposeB: Bool) {
        let a = randomTensor(transposeA ? [2, 4, 3] : [2, 3, 4], seed: 6)
        let b = randomTensor(transposeB ? [2, 5, 4] : [2, 4, 5], seed: 7)
        checkGradients([a, b]) { Tensor.batchedMatmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
    }

    @Test func batchedMatmulMatchesPerEntryProducts() {
        let a = randomTensor([3, 2, 4], seed: 8, requiresGrad: false)
        let b = randomTensor([3, 4, 5], seed: 9, requiresGrad: false)
        let batched = Tensor.batchedMatmul(a, b).scalars
        for entry in 0..<3 {
            let single = Tensor.matmul(
                a.slice(axis: 0, entry..<(entry + 1)).reshaped([2, 4]),
                b.slice(axis: 0, entry..<(entry + 1)).reshaped([4, 5]))
            expectClose(Array(batched[(entry * 10)..<(entry * 10 + 10)]), single.scalars)
        }
    }

    @Test func linearReferenceValuesAndGradients() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2])
        let w = Tensor([1, 0, 0, 1, 1, 1], shape: [3, 2])
        let b = Tensor([0.5, -0.5, 1], shape: [3])
        expectClose(Tensor.linear(x, weight: w, bias: b).scalars, [1.5, 1.5, 4, 3.5, 3.5, 8])
        checkGradients([randomTensor([2, 3, 4], seed: 1), randomTensor([5, 4], seed: 2), randomTensor([5], seed: 3)]) {
            Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    @Test func frozenWeightGetsNoGradientButInputDoes() {
        let x = randomTensor([3, 4], seed: 1)
        let w = randomTensor([2, 4], seed: 2, requiresGrad: false)
        checkGradients([x, w]) { Tensor.linear($0[0], weight: $0[1]) }
        #expect(w.grad == nil)
        #expect(x.grad != nil)
    }
}
