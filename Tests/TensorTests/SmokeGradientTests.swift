import Testing

@testable import Tensor

@Suite struct LinearAlgebraGradientTests {
    @Test func linearWithBias() {
        let x = randomTensor([2, 3, 4], seed: 1)
        let w = randomTensor([5, 4], seed: 2)
        let b = randomTensor([5], seed: 3)
        checkGradients([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulTransposes(transposeA: Bool, transposeB: Bool) {
        let a = randomTensor(transposeA ? [4, 3] : [3, 4], seed: 4)
        let b = randomTensor(transposeB ? [5, 4] : [4, 5], seed: 5)
        checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: transposeA, transposeB: transposeB) }
    }

    @Test func attentionCausalGQA() {
        let q = randomTensor([2, 5, 4 * 3], seed: 6)
        let k = randomTensor([2, 5, 2 * 3], seed: 7)
        let v = randomTensor([2, 5, 2 * 3], seed: 8)
        checkGradients([q, k, v]) {
            Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 4, kvHeads: 2, mask: .causal(offset: 0))
        }
    }
}
