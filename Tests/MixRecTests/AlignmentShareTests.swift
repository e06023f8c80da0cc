import RecData
import Testing

@testable import MixRec

/// Which rank aligns which of a global batch's items: each item once, by a rank that encodes it anyway.
@Suite struct AlignmentShareTests {
    /// Four users' windows: items 1–3 are held by both halves of a 2-way split, 10/11 and 20/21 by one each.
    let windows: [[Int32]] = [[1, 10, 2], [3, 11], [2, 20, 1], [21, 3]]

    func shares(worldSize: Int) -> [[Int]] {
        (0..<worldSize).map {
            TrainingBatch.alignmentShare(of: self.windows, shard: DataParallelShard(rank: $0, worldSize: worldSize))
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func everyItemIsAlignedOnceByARankWhoseWindowsHoldIt(worldSize: Int) {
        let shares = self.shares(worldSize: worldSize)
        let distinct = Set(self.windows.joined().map(Int.init))
        #expect(shares.joined().sorted() == distinct.sorted())
        for (rank, share) in shares.enumerated() {
            let held = Set(DataParallelShard(rank: rank, worldSize: worldSize).part(of: self.windows).joined())
            #expect(share.allSatisfy { held.contains(Int32($0)) }, "rank \(rank) aligns \(share), holds \(held)")
        }
    }

    @Test func sharedItemsEvenOutTheRanks() {
        // Each half holds two items of its own; the three shared ones go 2 : 1 or 1 : 2, never 3 : 0.
        let counts = self.shares(worldSize: 2).map(\.count)
        #expect(counts.reduce(0, +) == 7)
        #expect(abs(counts[0] - counts[1]) <= 1, "\(counts)")
        // The first shared item goes to the lower rank on a tie, the next to the rank with fewer so far.
        #expect(self.shares(worldSize: 2)[0] == [1, 3, 10, 11])
    }

    @Test func aRankEncodesOnlyItsOwnWindowsItems() throws {
        let data = try TinyMixRec.data(try TinyMixRec.config())
        let users = Array(data.split.trainableUsers.prefix(6))
        for rank in 0..<2 {
            let batch = TrainingBatch(
                users: users, split: data.split, maximumHistory: 5, collaborativeHistory: 5,
                hardNegatives: data.hardNegatives, negativeCount: 0, shard: DataParallelShard(rank: rank, worldSize: 2))
            #expect(batch.encodedItems == Set(batch.windows.joined()).sorted())
            #expect(Set(batch.alignItems).isSubset(of: batch.encodedItems))
        }
    }
}
