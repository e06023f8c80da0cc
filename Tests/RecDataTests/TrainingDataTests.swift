import Testing

@testable import RecData

// MARK: - Batching, sharding, seeded random numbers and hard negatives

struct TrainingDataTests {
    @Test func batchesCoverEveryUserOncePerEpochInASeededOrder() {
        let users = (0..<23).map { Int32($0 * 2) }
        let batches = UserBatches(users: users, batchSize: 5, seed: 7)
        let epoch0 = batches.batches(epoch: 0)
        #expect(epoch0.map(\.count) == [5, 5, 5, 5, 3])
        #expect(batches.batchCount == 5)
        #expect(epoch0.flatMap { $0 }.sorted() == users)
        #expect(UserBatches(users: users, batchSize: 5, seed: 7).batches(epoch: 0) == epoch0)
        #expect(batches.batches(epoch: 1) != epoch0)
        #expect(UserBatches(users: users, batchSize: 5, seed: 8).batches(epoch: 0) != epoch0)
        #expect(epoch0.flatMap { $0 } != users)
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func shardsAreDisjointCoveringAndBalanced(worldSize: Int) {
        for count in [0, 1, 7, 16, 23] {
            let elements = Array(0..<count)
            let parts = (0..<worldSize).map { DataParallelShard(rank: $0, worldSize: worldSize).part(of: elements) }
            #expect(parts.flatMap { $0 } == elements)
            let sizes = parts.map(\.count)
            #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
            let users = (0..<worldSize).flatMap { DataParallelShard(rank: $0, worldSize: worldSize).users(of: count) }
            #expect(users == elements.map { Int32($0) })
        }
    }

    @Test func seededRandomIsReproducibleAndUniformEnough() {
        var first = SeededRandom(seed: 5)
        var second = SeededRandom(seed: 5)
        let draws = (0..<1000).map { _ in first.nextInt(below: 10) }
        #expect(draws == (0..<1000).map { _ in second.nextInt(below: 10) })
        var histogram = [Int](repeating: 0, count: 10)
        for draw in draws { histogram[draw] += 1 }
        #expect(histogram.allSatisfy { $0 > 60 && $0 < 140 })
        var streams = (SeededRandom(seed: 5, stream: 0), SeededRandom(seed: 5, stream: 1))
        #expect(streams.0.next() != streams.1.next())
        var pinned = SeededRandom(seed: 1, stream: 2)
        #expect(pinned.next() == 0xF6FB_7824_C1FE_EE94, "pinned, as RandomGenerator(seed: 1).split(2)")
        var weighted = SeededRandom(seed: 1)
        let picks = (0..<2000).map { _ in weighted.pick(weights: [0, 3, 1]) }
        #expect(!picks.contains(0))
        #expect(picks.filter { $0 == 1 }.count > 1300)
    }

    @Test func hardNegativesAreTextNeighboursThatNeverCoOccur() {
        let texts = [
            "title: red matte lipstick", "title: red matte lipstick deluxe", "title: red glossy lipstick",
            "title: green tea shampoo", "title: matte lipstick", "title: unrelated words",
        ]
        let training: [ArraySlice<Int32>] = [[0, 1], [3, 5], [2, 3]]
        let miner = HardNegativeMiner(count: 2, maxDocumentFrequency: 0.9)
        let negatives = miner.mine(itemTexts: texts, trainingSequences: training)
        #expect(negatives[0] == [4, 2])
        #expect(negatives[1] == [4, 2])
        #expect(negatives[5].isEmpty)
        #expect(!negatives[3].contains(2) && !negatives[3].contains(5))
        let filled = HardNegativeMiner(count: 2, maxDocumentFrequency: 0.9, fillSeed: 1)
            .mine(itemTexts: texts, trainingSequences: training)
        #expect(filled[0] == [4, 2])
        #expect(filled[5].count == 2 && !filled[5].contains(5) && !filled[5].contains(3))
        #expect(filled[3].count == 2 && !filled[3].contains(2) && !filled[3].contains(5))
    }

    @Test func topSelectionKeepsTheBestScoresWithLowerIdsFirstOnTies() {
        var random = SeededRandom(seed: 4)
        for _ in 0..<50 {
            let offers = (0..<30).map { (item: Int32($0), score: Double(random.nextInt(below: 8))) }
            var shuffled = offers
            random.shuffle(&shuffled)
            var top = TopScored(capacity: 5)
            for offer in shuffled { top.offer(offer.item, score: offer.score) }
            let expected = offers.sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
            #expect(top.items == expected.prefix(5).map(\.item))
        }
    }

    @Test func hardNegativesOnSyntheticDataNeverCoOccurAndShareWords() {
        let dataset = SyntheticDataset.sequential()
        let split = LeaveOneOutSplit(dataset)
        let training = split.trainingSequences
        let negatives = HardNegativeMiner(count: 5).mine(itemTexts: dataset.itemTexts, trainingSequences: training)
        var together = Set<Int>()
        for sequence in training {
            for first in sequence { for second in sequence { together.insert(Int(first) * 1000 + Int(second)) } }
        }
        #expect(negatives.filter { !$0.isEmpty }.count >= dataset.itemCount * 8 / 10)
        for (item, list) in negatives.enumerated() {
            let words = Set(TFIDFVectors.words(dataset.itemTexts[item]))
            for negative in list {
                #expect(!together.contains(item * 1000 + Int(negative)))
                #expect(Int(negative) != item)
                #expect(!words.isDisjoint(with: TFIDFVectors.words(dataset.itemTexts[Int(negative)])))
            }
        }
    }
}
