import Foundation
import TestKit
import Testing

@testable import Tensor

@Suite struct RotaryEmbeddingTests {
    /// One head of width 4, position 1, base 100: pair 0 turns by 1 rad, pair 1 by 100^(−1/2) = 0.1 rad.
    @Test func referenceValuesForBothConventions() {
        let x = Tensor([1, 2, 3, 4], shape: [1, 4])
        let (c0, s0, c1, s1) = (cos(1.0), sin(1.0), cos(0.1), sin(0.1))
        let adjacent = Tensor.rope(x, positions: [1], headDim: 4, base: 100, convention: .adjacentPairs)
        // pairs (x0, x1) and (x2, x3)
        let expectedAdjacent = [1 * c0 - 2 * s0, 1 * s0 + 2 * c0, 3 * c1 - 4 * s1, 3 * s1 + 4 * c1].map { Float($0) }
        expectClose(adjacent.scalars, expectedAdjacent)
        let half = Tensor.rope(x, positions: [1], headDim: 4, base: 100, convention: .halfSplit)
        // pairs (x0, x2) and (x1, x3)
        let expectedHalf = [1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 1 * s0 + 3 * c0, 2 * s1 + 4 * c1].map { Float($0) }
        expectClose(half.scalars, expectedHalf)
        let origin = Tensor.rope(x, positions: [0], headDim: 4, base: 100, convention: .adjacentPairs)
        expectClose(origin.scalars, x.scalars)
    }

    /// Span-local positions: rotating by p, then by offset o, equals rotating by p + o.
    @Test func rotationsCompose() {
        let x = randomTensor([2, 3, 8], seed: 1, requiresGrad: false)
        for convention in [RoPEConvention.adjacentPairs, .halfSplit] {
            let local = Tensor.rope(x, positions: [0, 1, 2], headDim: 4, base: 10_000, convention: convention)
            let shifted = Tensor.rope(local, positions: [7], headDim: 4, base: 10_000, convention: convention)
            let direct = Tensor.rope(x, positions: [7, 8, 9], headDim: 4, base: 10_000, convention: convention)
            expectClose(shifted.scalars, direct.scalars, tolerance: 1e-5)
        }
    }

    /// Dot products of rotated queries and keys depend only on the position difference.
    @Test func scoresDependOnRelativePosition() {
        let q = randomTensor([1, 4], seed: 2, requiresGrad: false)
        let k = randomTensor([1, 4], seed: 3, requiresGrad: false)
        func score(_ p: Int, _ r: Int) -> Float {
            let a = Tensor.rope(q, positions: [p], headDim: 4, base: 10_000, convention: .halfSplit)
            let b = Tensor.rope(k, positions: [r], headDim: 4, base: 10_000, convention: .halfSplit)
            return zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(abs(score(5, 2) - score(13, 10)) < 1e-5)
    }

    @Test func gradients() {
        for convention in [RoPEConvention.adjacentPairs, .halfSplit] {
            checkGradients([randomTensor([2, 3, 8], seed: 4)]) {
                Tensor.rope($0[0], positions: [3, 0, 5, 1, 2, 9], headDim: 4, base: 10_000, convention: convention)
            }
        }
    }
}
