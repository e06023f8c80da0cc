import Tensor
import Testing

@testable import MixRec

/// The exact sum of chunk gradients: the value of the sum, and the same bits for every grouping of the chunks.
@Suite struct ChunkGradientSumTests {
    /// Six chunks of two tensors with values of very different magnitudes, zeros and a tensor that is zero in some
    /// chunks.
    static func chunks() -> [[Float]] {
        var generator = RandomGenerator(seed: 4)
        return (0..<6).map { chunk in
            let first = (0..<5).map { index in
                generator.nextNormal() * Float(sign: .plus, exponent: (index * 7) % 30 - 20, significand: 1)
            }
            let second = (0..<3).map { _ in chunk % 2 == 0 ? 0 : generator.nextNormal() * 1e3 }
            return first + second
        }
    }

    /// The sum of `chunks` held by groups of ranks (`owners[r]` the chunks of rank r), all-reduced as integers.
    static func sum(_ chunks: [[Float]], owners: [[Int]]) -> [Float] {
        let ranks = owners.map { owned in
            var sum = ChunkGradientSum(sizes: [5, 3], chunkCount: chunks.count)
            for chunk in owned {
                let added = sum.add(chunk: chunk, gradient: chunks[chunk])
                #expect(added)
            }
            return sum
        }
        var slots = [Int64](repeating: 0, count: ranks[0].exponentSlots().count)
        for rank in ranks { slots = zip(slots, rank.exponentSlots()).map { $0 + $1 } }
        let shifts = ranks[0].shifts(summedSlots: slots)
        #expect(ranks.allSatisfy { $0.shifts(summedSlots: slots) == shifts })
        var sums = [Int64](repeating: 0, count: 8)
        for rank in ranks { sums = zip(sums, rank.fixedPointSum(shifts: shifts)).map { $0 + $1 } }
        return ranks[0].values(of: sums, shifts: shifts)
    }

    @Test func theSumIsTheExactSumRoundedOnce() {
        let chunks = Self.chunks()
        let summed = Self.sum(chunks, owners: [Array(0..<6)])
        for element in 0..<8 {
            // Double holds these six Float values' sum exactly enough to compare with one Float rounding.
            let exact = chunks.reduce(0.0) { $0 + Double($1[element]) }
            #expect(abs(Double(summed[element]) - exact) <= abs(exact) * 1e-7, "element \(element)")
        }
        #expect(summed[5..<8].allSatisfy { $0 != 0 })
    }

    @Test func everyGroupingOfTheChunksGivesTheSameBits() {
        let chunks = Self.chunks()
        let one = Self.sum(chunks, owners: [Array(0..<6)])
        let groupings: [[[Int]]] = [
            [[0, 1, 2], [3, 4, 5]], [[0, 1], [2, 3], [4, 5]], [[5, 0], [3], [1, 4, 2]], [[0], [1], [2], [3], [4], [5]],
            [[], [0, 1, 2, 3, 4, 5]],
        ]
        for owners in groupings {
            #expect(Self.sum(chunks, owners: owners).map(\.bitPattern) == one.map(\.bitPattern), "\(owners)")
        }
        // Float addition in another order does change the last bits of these values: the case the sum is for.
        let forward = (0..<8).map { element in chunks.reduce(Float(0)) { $0 + $1[element] } }
        let backward = (0..<8).map { element in chunks.reversed().reduce(Float(0)) { $0 + $1[element] } }
        #expect(forward != backward)
    }

    @Test func aNonFiniteChunkIsRefusedAndZerosStayZero() {
        var sum = ChunkGradientSum(sizes: [2], chunkCount: 2)
        let refused = !sum.add(chunk: 0, gradient: [1, .nan])
        let added = sum.add(chunk: 1, gradient: [0, 0])
        #expect(refused && added)
        let slots = sum.exponentSlots()
        #expect(slots == [0, 0])
        let shifts = sum.shifts(summedSlots: slots)
        #expect(sum.values(of: sum.fixedPointSum(shifts: shifts), shifts: shifts) == [0, 0])
    }
}
