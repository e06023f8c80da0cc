import TestKit
import Testing

@testable import Tensor

@Suite struct ShapeOpsTests {
    @Test func referenceValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(a.reshaped([3, -1]).shape == [3, 2])
        expectClose(a.transposed(0, 1).scalars, [1, 4, 2, 5, 3, 6])
        let cube = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let permuted = cube.permuted([2, 0, 1])
        #expect(permuted.shape == [4, 2, 3])
        // permuted[i][j][k] = cube[j][k][i] = 12j + 4k + i
        let element: Float = permuted.scalars[9 + 2]  // [1][1][2] → 12·1 + 4·2 + 1
        #expect(element == 21)
        expectClose(Tensor.concat([a, Tensor([7, 8], shape: [2, 1])], axis: 1).scalars, [1, 2, 3, 7, 4, 5, 6, 8])
        expectClose(Tensor.concat([a, a], axis: 0).scalars, a.scalars + a.scalars)
        expectClose(a.slice(axis: 1, 1..<3).scalars, [2, 3, 5, 6])
        expectClose(a.gather(rows: [1, 1, 0]).scalars, [4, 5, 6, 4, 5, 6, 1, 2, 3])
        #expect(a.sum().item == 21)
        #expect(a.mean().item == 3.5)
        expectClose(a.sum(axis: 0).scalars, [5, 7, 9])
        expectClose(a.mean(axis: 1, keepingDimension: true).scalars, [2, 5])
        #expect(a.mean(axis: 1, keepingDimension: true).shape == [2, 1])
    }

    @Test func gradients() {
        checkGradients([randomTensor([2, 6], seed: 1)]) { $0[0].reshaped([3, 4]).scaled(by: 2) }
        checkGradients([randomTensor([2, 3, 4], seed: 2)]) { $0[0].transposed(0, 2) }
        checkGradients([randomTensor([2, 3, 4], seed: 3)]) { $0[0].permuted([1, 2, 0]) }
        checkGradients([randomTensor([2, 3], seed: 4), randomTensor([2, 2], seed: 5)]) {
            Tensor.concat([$0[0], $0[1]], axis: 1)
        }
        checkGradients([randomTensor([3, 4, 2], seed: 6)]) { $0[0].slice(axis: 1, 1..<3) }
        checkGradients([randomTensor([4, 3], seed: 7)]) { $0[0].sum(axis: 1) }
        checkGradients([randomTensor([4, 3], seed: 8)]) { $0[0].mean(axis: 0) }
        checkGradients([randomTensor([4, 3], seed: 9)]) { $0[0].mean() }
    }

    /// Repeated ids add their gradients into the same embedding row (scatter-add).
    @Test func embeddingScatterAdds() {
        let table = randomTensor([5, 3], seed: 10)
        checkGradients([table]) { Tensor.embedding([4, 0, 4, 2], table: $0[0]) }
        table.zeroGrad()
        Tensor.embedding([4, 0, 4], table: table).sum().backward()
        expectClose(table.grad?.scalars ?? [], [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2])
    }
}
