import Foundation
import TestKit
import Testing

@testable import Tensor

@Suite struct SoftmaxTests {
    @Test func referenceValues() {
        let x = Tensor([1, 2, 3, 0, 0, 0], shape: [2, 3])
        let total = exp(1.0) + exp(2.0) + exp(3.0)
        let first = [exp(1.0) / total, exp(2.0) / total, exp(3.0) / total].map { Float($0) }
        expectClose(Tensor.softmax(x).scalars, first + [1 / 3, 1 / 3, 1 / 3])
        expectClose(
            Tensor.logSoftmax(x).scalars, first.map { Foundation.log($0) } + Array(repeating: -log(3), count: 3))
        // Stable for large logits.
        expectClose(Tensor.softmax(Tensor([1000, 1000], shape: [1, 2])).scalars, [0.5, 0.5])
    }

    /// Every mask form, including rows that see nothing: those give zeros (no NaN) and no gradient.
    @Test func masksAndFullyMaskedRows() {
        let x = randomTensor([3, 4], seed: 1, scale: 2, requiresGrad: false)
        let groups = [
            KeyRangeMask.Group(queryRows: 0..<1, keyRanges: [0..<1, 2..<4]),
            KeyRangeMask.Group(queryRows: 2..<3, keyRanges: [1..<3], causalOffset: -1),
        ]
        let ranges = KeyRangeMask(groups: groups)
        let dense = ranges.additiveMask(batch: 1, queries: 3, keys: 4).reshaped([3, 4])
        // Row 1 is in no group; row 2 sees key 1 only (key 2 > 2 − 1).
        let expectedAllowed: [[Bool]] = [
            [true, false, true, true], [false, false, false, false], [false, true, false, false],
        ]
        for mask in [AttentionMask.keyRanges(ranges), .additive(dense)] {
            let y = Tensor.softmax(x, mask: mask).scalars
            let logY = Tensor.logSoftmax(x, mask: mask).scalars
            for row in 0..<3 {
                let allowed = expectedAllowed[row]
                let logits = (0..<4).filter { allowed[$0] }.map { x.scalars[row * 4 + $0] }
                let logTotal = logits.isEmpty ? 0 : Foundation.log(logits.map { Foundation.exp($0) }.reduce(0, +))
                for key in 0..<4 {
                    let value = allowed[key] ? Foundation.exp(x.scalars[row * 4 + key] - logTotal) : 0
                    #expect(abs(y[row * 4 + key] - value) < 1e-5, "softmax row \(row) key \(key)")
                    let logValue = allowed[key] ? x.scalars[row * 4 + key] - logTotal : 0
                    #expect(abs(logY[row * 4 + key] - logValue) < 1e-5, "logSoftmax row \(row) key \(key)")
                }
            }
        }
        let causal = Tensor.softmax(x, mask: .causal(offset: -1)).scalars
        #expect(causal[0..<4].allSatisfy { $0 == 0 }, "row 0 sees no key with offset −1")
        #expect(abs(causal[4] - 1) < 1e-6)
    }

    @Test func gradientsUnderMasks() {
        let ranges = KeyRangeMask(groups: [
            KeyRangeMask.Group(queryRows: 0..<2, keyRanges: [0..<2, 3..<5], causalOffset: 1),
            KeyRangeMask.Group(queryRows: 3..<4, keyRanges: [1..<5]),
        ])
        let masks: [AttentionMask] = [
            .none, .causal(offset: 0), .keyRanges(ranges),
            .additive(ranges.additiveMask(batch: 1, queries: 4, keys: 5).reshaped([4, 5])),
        ]
        for mask in masks {
            let x = randomTensor([2, 4, 5], seed: 2)
            checkGradients([x]) { Tensor.softmax($0[0], mask: mask) }
            #expect(!(x.grad?.scalars.contains { $0.isNaN } ?? true))
            let y = randomTensor([2, 4, 5], seed: 3)
            checkGradients([y]) { Tensor.logSoftmax($0[0], mask: mask) }
        }
    }
}
