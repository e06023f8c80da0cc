import Foundation
import Testing

@testable import RecData

// MARK: - Full ranking and metrics

struct RankingTests {
    /// The peer script's rule: history scores set to -inf, the target's restored, rank = #(>) + #(==) - 1.
    static func referenceRank(_ row: [Float], target: Int32, history: [Int32], exclude: Bool) -> Int {
        var scores = row
        if exclude {
            for item in history { scores[Int(item)] = -.infinity }
            scores[Int(target)] = row[Int(target)]
        }
        let value = scores[Int(target)]
        return scores.filter { $0 > value }.count + scores.filter { $0 == value }.count - 1
    }

    static func rank(_ row: [Float], target: Int32, history: [Int32], exclude: Bool = true) -> Int {
        var ranker = TargetRanker(itemCount: row.count, excludeHistory: exclude)
        return row.withUnsafeBufferPointer { ranker.rank(row: $0, target: target, history: history[...]) }
    }

    @Test func ranksArePessimisticOnTiesAndExcludeTheHistoryButNotTheTarget() {
        let row: [Float] = [0.1, 0.5, 0.3, 0.5, 0.2]
        #expect(Self.rank(row, target: 2, history: []) == 2)
        #expect(Self.rank(row, target: 1, history: []) == 1)
        #expect(Self.rank(row, target: 3, history: []) == 1)
        #expect(Self.rank(row, target: 0, history: []) == 4)
        #expect(Self.rank(row, target: 1, history: [3, 1, 3]) == 0)
        #expect(Self.rank(row, target: 0, history: [3, 4, 4, 1]) == 1)
        #expect(Self.rank(row, target: 1, history: [3, 1, 3], exclude: false) == 1)
        #expect(Self.rank([0.2, .nan, 0.1], target: 1, history: []) == 2)
        #expect(Self.rank([.nan, 0.3, 0.1], target: 1, history: []) == 0)
    }

    @Test(arguments: [true, false])
    func ranksMatchThePeerScriptsRuleOnRandomTiedScores(exclude: Bool) {
        var random = SeededRandom(seed: 11)
        var ranker = TargetRanker(itemCount: 40, excludeHistory: exclude)
        for _ in 0..<300 {
            let row = (0..<40).map { _ in Float(random.nextInt(below: 6)) }
            let target = Int32(random.nextInt(below: 40))
            let history = (0..<random.nextInt(below: 12)).map { _ in Int32(random.nextInt(below: 40)) }
            let expected = Self.referenceRank(row, target: target, history: history, exclude: exclude)
            let actual = row.withUnsafeBufferPointer { ranker.rank(row: $0, target: target, history: history[...]) }
            #expect(actual == expected)
        }
    }

    @Test func metricsFollowRecBolesDefinitions() {
        var metrics = RankingMetrics()
        for rank in [0, 4, 9, 25] { metrics.add(rank: rank) }
        #expect(metrics.count == 4)
        #expect(metrics.hitRate(at: 5) == 0.5)
        #expect(metrics.hitRate(at: 10) == 0.75)
        #expect(metrics.hitRate(at: 20) == 0.75)
        let ndcg10 = (1 + 1 / log2(6.0) + 1 / log2(11.0)) / 4
        #expect(abs(metrics.ndcg(at: 10) - ndcg10) < 1e-12)
        #expect(abs(metrics.ndcg(at: 5) - (1 + 1 / log2(6.0)) / 4) < 1e-12)
        #expect(metrics.values["ndcg@20"] == metrics.ndcg(at: 20))
        #expect(metrics.values.count == 6)
        #expect(RankingMetrics().hitRate(at: 10) == 0)
    }

    @Test func shardAccumulatorsMergeToExactlyTheWhole() {
        var random = SeededRandom(seed: 3)
        let ranks = (0..<1000).map { _ in random.nextInt(below: 40) }
        var whole = RankingMetrics()
        for rank in ranks { whole.add(rank: rank) }
        let world = 3
        var merged = RankingMetrics()
        for rank in 0..<world {
            var shard = RankingMetrics()
            for value in DataParallelShard(rank: rank, worldSize: world).part(of: ranks) { shard.add(rank: value) }
            merged.merge(shard)
        }
        #expect(merged == whole)
        #expect(merged.values == whole.values)
    }

    @Test func metricsRoundTripThroughJSONAndInconsistentPayloadsAreRejected() throws {
        var metrics = RankingMetrics()
        for rank in [0, 3, 12, 40] { metrics.add(rank: rank) }
        let decoded = try JSONDecoder().decode(RankingMetrics.self, from: JSONEncoder().encode(metrics))
        #expect(decoded == metrics)
        let bad = Data(#"{"cutoffs":[5,10],"rankCounts":[1,2],"count":3}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RankingMetrics.self, from: bad) }
        let overCounted = Data(#"{"cutoffs":[2],"rankCounts":[2,2],"count":3}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RankingMetrics.self, from: overCounted) }
    }

    @Test func batchAccumulationRanksEachRowAgainstItsCase() {
        let scores: [Float] = [0.9, 0.1, 0.5, 0.2, 0.8, 0.7]
        let cases = [
            EvaluationCase(user: 0, history: [0], target: 2),
            EvaluationCase(user: 1, history: [], target: 0),
        ]
        var ranker = TargetRanker(itemCount: 3)
        var metrics = RankingMetrics(cutoffs: [1, 2])
        scores.withUnsafeBufferPointer { ranker.accumulate(scores: $0, cases: cases, into: &metrics) }
        #expect(metrics.rankCounts == [1, 0])
        #expect(metrics.count == 2)
        #expect(metrics.hitRate(at: 1) == 0.5)
    }
}
