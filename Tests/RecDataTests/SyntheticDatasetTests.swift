import Foundation
import TestKit
import Testing

@testable import RecData

// MARK: - Synthetic generator and the Amazon writer

struct SyntheticDatasetTests {
    @Test func equalSeedsGiveEqualDatasetsAndOtherSeedsDiffer() {
        let first = SyntheticDataset.sequential()
        let second = SyntheticDataset.sequential()
        #expect(first.sequences == second.sequences)
        #expect(first.itemTexts == second.itemTexts)
        var config = SyntheticDatasetConfig()
        config.seed = 99
        #expect(SyntheticDataset.sequential(config).sequences != first.sequences)
    }

    @Test func defaultsHaveTheConfiguredShapeAndTextWithoutIds() {
        let config = SyntheticDatasetConfig()
        let dataset = SyntheticDataset.sequential(config)
        #expect(dataset.userCount == config.userCount)
        #expect(dataset.itemCount == config.itemCount)
        #expect(dataset.itemIDs.first == "1" && dataset.itemIDs.last == "200")
        #expect(dataset.sequences.allSatisfy { config.historyLengths.contains($0.count) })
        let text = dataset.itemTexts[0]
        #expect(text.hasPrefix("title: ") && text.contains("; category: ") && text.contains("; brand: "))
        #expect(!text.contains("SYN"))
        #expect(Set(dataset.itemTexts).count > dataset.itemCount * 9 / 10)
    }

    /// A bigram model (next item counts from training transitions) must beat popularity clearly on the test items.
    @Test func plantedTransitionsMakeTheNextItemPredictableAboveChanceAndPopularity() {
        let dataset = SyntheticDataset.sequential()
        let split = LeaveOneOutSplit(dataset)
        let itemCount = dataset.itemCount
        var transitions = [Float](repeating: 0, count: itemCount * itemCount)
        var popularity = [Float](repeating: 0, count: itemCount)
        for sequence in split.trainingSequences {
            for item in sequence { popularity[Int(item)] += 1 }
            for (previous, next) in zip(sequence, sequence.dropFirst()) {
                transitions[Int(previous) * itemCount + Int(next)] += 1
            }
        }
        var bigram = RankingMetrics()
        var popular = RankingMetrics()
        var ranker = TargetRanker(itemCount: itemCount)
        for user in 0..<split.userCount {
            let test = split.evaluationCase(user: Int32(user), stage: .test)
            let last = Int(test.history[test.history.endIndex - 1])
            let row = (0..<itemCount).map { transitions[last * itemCount + $0] + popularity[$0] * 1e-4 }
            row.withUnsafeBufferPointer {
                bigram.add(rank: ranker.rank(row: $0, target: test.target, history: test.history))
            }
            popularity.withUnsafeBufferPointer {
                popular.add(rank: ranker.rank(row: $0, target: test.target, history: test.history))
            }
        }
        let chance = 10.0 / Double(itemCount)
        #expect(bigram.hitRate(at: 10) > 0.3)
        #expect(bigram.hitRate(at: 10) > 2 * popular.hitRate(at: 10))
        #expect(popular.hitRate(at: 10) > chance)
    }

    /// Users prefer taste clusters: their two most frequent categories hold more of their items than after the items
    /// are shuffled across users (which keeps item popularity and history lengths).
    @Test func usersShowCollaborativeTasteStructure() {
        let dataset = SyntheticDataset.sequential()
        let category = dataset.itemAttributes.map { $0.first { $0.key == "category" }?.value ?? "" }
        func topTwoShare(_ sequences: [[Int32]]) -> Double {
            var inTopTwo = 0
            for sequence in sequences {
                var counts: [String: Int] = [:]
                for item in sequence { counts[category[Int(item)], default: 0] += 1 }
                inTopTwo += counts.values.sorted(by: >).prefix(2).reduce(0, +)
            }
            return Double(inTopTwo) / Double(dataset.interactionCount)
        }
        var pool = dataset.sequences.flatMap { $0 }
        var random = SeededRandom(seed: 1)
        random.shuffle(&pool)
        var shuffled: [[Int32]] = []
        var start = 0
        for sequence in dataset.sequences {
            shuffled.append(Array(pool[start..<(start + sequence.count)]))
            start += sequence.count
        }
        #expect(topTwoShare(dataset.sequences) > 1.25 * topTwoShare(shuffled))
    }

    @Test func writesAmazonFilesThatReadBackToTheSameDataset() throws {
        var config = SyntheticDatasetConfig()
        config.userCount = 40
        config.itemCount = 30
        let dataset = SyntheticDataset.sequential(config)
        let folder = try ScratchFolder()
        try AmazonFormatWriter.write(dataset, to: folder.path + "/synthetic")
        let loaded = try DatasetLoader.load(format: .auto, folder: folder.path + "/synthetic")
        #expect(loaded.report.format == .amazon)
        #expect(loaded.report.itemsWithoutText == 0)
        let back = SequentialDataset.prepare(loaded.raw)
        #expect(back.sequences == dataset.sequences)
        #expect(back.userIDs == dataset.userIDs)
        #expect(back.itemIDs == dataset.itemIDs)
        #expect(back.itemTexts == dataset.itemTexts)
    }
}
