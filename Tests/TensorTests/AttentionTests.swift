import Foundation
import TestKit
import Testing

@testable import Tensor

/// A direct Double-precision attention: per (batch, head, query), softmax over the allowed keys, each probability
/// times its factor in `keep` (`[batch, heads, queries, keys]`, dropout) when given.
private func referenceAttention(
    query: Tensor, key: Tensor, value: Tensor, heads: Int, kvHeads: Int, keep: [Float]? = nil,
    allowed: (_ batch: Int, _ row: Int, _ key: Int) -> Bool
) -> [Float] {
    let (batch, queries, keys) = (query.shape[0], query.shape[1], key.shape[1])
    let headDim = query.shape[2] / heads
    let (q, k, v) = (query.scalars, key.scalars, value.scalars)
    var output = [Float](repeating: 0, count: query.count)
    for b in 0..<batch {
        for h in 0..<heads {
            let kvHead = h / (heads / kvHeads)
            for i in 0..<queries {
                let qBase = (b * queries + i) * heads * headDim + h * headDim
                let visible = (0..<keys).filter { allowed(b, i, $0) }
                let scores = visible.map { j in
                    let kBase = (b * keys + j) * kvHeads * headDim + kvHead * headDim
                    return (0..<headDim).reduce(0.0) { $0 + Double(q[qBase + $1]) * Double(k[kBase + $1]) }
                        / Double(headDim).squareRoot()
                }
                let maximum = scores.max() ?? 0
                let weights = scores.map { exp($0 - maximum) }
                let total = weights.reduce(0, +)
                for d in 0..<headDim {
                    var sum = 0.0
                    for (j, weight) in zip(visible, weights) {
                        let factor = Double(keep?[((b * heads + h) * queries + i) * keys + j] ?? 1)
                        sum +=
                            weight / total * factor
                            * Double(v[(b * keys + j) * kvHeads * headDim + kvHead * headDim + d])
                    }
                    output[qBase + d] = Float(sum)
                }
            }
        }
    }
    return output
}

@Suite struct AttentionTests {
    let query = randomTensor([2, 5, 4 * 3], seed: 1)
    let key = randomTensor([2, 7, 2 * 3], seed: 2)
    let value = randomTensor([2, 7, 2 * 3], seed: 3)

    /// A span-style mask: spans 0..<3 and 3..<5 see their own keys causally, query 5 is unmasked nowhere,
    /// and per-batch groups differ.
    var spanMask: KeyRangeMask {
        KeyRangeMask(perBatch: [
            [
                .init(queryRows: 0..<3, keyRanges: [2..<5], causalOffset: 2),
                .init(queryRows: 3..<5, keyRanges: [0..<1, 5..<7]),
            ],
            [.init(queryRows: 1..<5, keyRanges: [0..<7], causalOffset: 2)],
        ])
    }

    @Test func matchesReferenceUnderEveryMask() {
        let ranges = self.spanMask
        let dense = ranges.additiveMask(batch: 2, queries: 5, keys: 7)
        let cases: [(AttentionMask, (Int, Int, Int) -> Bool)] = [
            (.none, { _, _, _ in true }),
            (.causal(offset: 2), { _, i, j in j <= i + 2 }),
            (.keyRanges(ranges), { b, i, j in dense.scalars[(b * 5 + i) * 7 + j] == 0 }),
            (.additive(dense), { b, i, j in dense.scalars[(b * 5 + i) * 7 + j] == 0 }),
        ]
        for (mask, allowed) in cases {
            let output = Tensor.attention(
                query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2, mask: mask)
            let expected = referenceAttention(
                query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2, allowed: allowed)
            expectClose(output.scalars, expected, tolerance: 1e-5)
        }
    }

    @Test func keyRangesEqualTheDenseMask() {
        let ranges = self.spanMask
        let structured = Tensor.attention(
            query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2, mask: .keyRanges(ranges))
        let dense = Tensor.attention(
            query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2,
            mask: .additive(ranges.additiveMask(batch: 2, queries: 5, keys: 7)))
        expectClose(structured.scalars, dense.scalars, tolerance: 1e-6)
        // Batch 1 row 0 is in no group: its output is zero.
        #expect(structured.scalars[(5 * 12)..<(5 * 12 + 12)].allSatisfy { $0 == 0 })
    }

    /// Keeping some query rows (two of batch 0 out of order, one of batch 1, padded): the kept queries' attention
    /// under `selectingQueries` equals those rows of every query's attention, and the padding row sees nothing.
    @Test func selectedQueriesEqualThoseRowsOfTheFullAttention() {
        let ranges = self.spanMask
        let dense = ranges.additiveMask(batch: 2, queries: 5, keys: 7)
        let selected = [[4, 1], [2]]
        // Batch 1 keeps one row: its second query row is padding (its row 0).
        let kept = self.query.reshaped([10, 12]).gather(rows: [4, 1, 5 + 2, 5 + 0]).reshaped([2, 2, 12])
        for mask in [
            AttentionMask.none, .causal(offset: 2), .keyRanges(ranges), .additive(dense),
            .additive(dense.slice(axis: 0, 0..<1).reshaped([5, 7])),
        ] {
            let full = Tensor.attention(
                query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2, mask: mask)
            let output = Tensor.attention(
                query: kept, key: self.key, value: self.value, heads: 4, kvHeads: 2,
                mask: mask.selectingQueries(selected, queries: 2, keys: 7))
            let expected = full.reshaped([10, 12]).gather(rows: [4, 1, 5 + 2]).scalars
            expectClose(Array(output.scalars[0..<(3 * 12)]), expected, tolerance: 1e-6)
            #expect(
                output.scalars[(3 * 12)..<(4 * 12)].allSatisfy { $0 == 0 }, "the padding row of batch 1 sees nothing")
        }
    }

    /// A causal tile boundary (64 rows) is crossed, so tiled blocks must agree with the untiled reference.
    @Test func causalTilingMatchesReference() {
        let q = randomTensor([1, 70, 4], seed: 4, requiresGrad: false)
        let k = randomTensor([1, 72, 4], seed: 5, requiresGrad: false)
        let v = randomTensor([1, 72, 4], seed: 6, requiresGrad: false)
        let output = Tensor.attention(query: q, key: k, value: v, heads: 1, kvHeads: 1, mask: .causal(offset: 2))
        let expected = referenceAttention(query: q, key: k, value: v, heads: 1, kvHeads: 1) { _, i, j in j <= i + 2 }
        expectClose(output.scalars, expected, tolerance: 1e-5)
    }

    @Test func gradientsUnderEveryMask() {
        let ranges = self.spanMask
        let masks: [AttentionMask] = [
            .none, .causal(offset: 2), .keyRanges(ranges),
            .additive(ranges.additiveMask(batch: 2, queries: 5, keys: 7)),
        ]
        for mask in masks {
            let inputs = [
                randomTensor([2, 5, 12], seed: 7), randomTensor([2, 7, 6], seed: 8), randomTensor([2, 7, 6], seed: 9),
            ]
            checkGradients(inputs, elements: 40) {
                Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 4, kvHeads: 2, mask: mask)
            }
        }
    }

    /// Dropout multiplies each probability by its factor (0 or 1/(1 − rate)) after the softmax, under a causal
    /// mask and a span mask, and about `rate` of the visible probabilities are dropped.
    @Test func dropoutScalesProbabilitiesAfterTheSoftmax() {
        let rate: Float = 0.3
        var generator = RandomGenerator(seed: 21)
        let dropout = AttentionDropout(rate: rate, generator: &generator)
        let keep = dropout.scales(count: 2 * 4 * 5 * 7)?.scalars ?? []
        #expect(Set(keep) == [0, 1 / (1 - rate)])
        let dropped = Float(keep.filter { $0 == 0 }.count) / Float(keep.count)
        #expect(abs(dropped - rate) < 0.06)
        let dense = self.spanMask.additiveMask(batch: 2, queries: 5, keys: 7)
        let cases: [(AttentionMask, (Int, Int, Int) -> Bool)] = [
            (.causal(offset: 2), { _, i, j in j <= i + 2 }),
            (.keyRanges(self.spanMask), { b, i, j in dense.scalars[(b * 5 + i) * 7 + j] == 0 }),
        ]
        for (mask, allowed) in cases {
            let output = Tensor.attention(
                query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2, mask: mask,
                dropout: dropout)
            let expected = referenceAttention(
                query: self.query, key: self.key, value: self.value, heads: 4, kvHeads: 2, keep: keep,
                allowed: allowed)
            expectClose(output.scalars, expected, tolerance: 1e-5)
        }
    }

    /// With a fixed dropout mask the op is a smooth function of its inputs: finite differences match the gradients.
    @Test func gradientsWithDropout() {
        for mask in [AttentionMask.causal(offset: 2), .keyRanges(self.spanMask)] {
            let inputs = [
                randomTensor([2, 5, 12], seed: 22), randomTensor([2, 7, 6], seed: 23),
                randomTensor([2, 7, 6], seed: 24),
            ]
            checkGradients(inputs, elements: 40) {
                var generator = RandomGenerator(seed: 25)
                return Tensor.attention(
                    query: $0[0], key: $0[1], value: $0[2], heads: 4, kvHeads: 2, mask: mask,
                    dropout: AttentionDropout(rate: 0.4, generator: &generator))
            }
        }
    }

    @Test func frozenKeysAndValuesStillPassGradientsToQueries() {
        let q = randomTensor([1, 3, 4], seed: 10)
        let k = randomTensor([1, 3, 4], seed: 11, requiresGrad: false)
        let v = randomTensor([1, 3, 4], seed: 12, requiresGrad: false)
        checkGradients([q, k, v]) {
            Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, kvHeads: 2, mask: .causal(offset: 0))
        }
        #expect(k.grad == nil && v.grad == nil && q.grad != nil)
    }

    /// Big enough to split (batch, head, tile) items over two workers: the forward matches the reference and the
    /// gradients (with per-worker dK/dV accumulation) match a single-threaded run.
    @Test func parallelWorkersMatchSingleThreaded() {
        let q = randomTensor([1, 130, 2 * 16], seed: 13)
        let k = randomTensor([1, 130, 16], seed: 14)
        let v = randomTensor([1, 130, 16], seed: 15)
        var gradients: [[[Float]]] = []
        for threads in [2, 1] {
            let output = withBLASThreads(threads) {
                #expect(Parallel.workers(items: 6, costPerItem: 100_000) == threads)
                let output = Tensor.attention(
                    query: q, key: k, value: v, heads: 2, kvHeads: 1, mask: .causal(offset: 0))
                output.backward(gradient: randomTensor(output.shape, seed: 16, requiresGrad: false))
                return output
            }
            let expected = referenceAttention(query: q, key: k, value: v, heads: 2, kvHeads: 1) { _, i, j in j <= i }
            expectClose(output.scalars, expected, tolerance: 1e-5)
            gradients.append([q, k, v].map { $0.grad?.scalars ?? [] })
            [q, k, v].forEach { $0.zeroGrad() }
        }
        for (parallel, serial) in zip(gradients[0], gradients[1]) {
            expectClose(parallel, serial, tolerance: 1e-5)
        }
    }
}
