import TestKit
import Testing

@testable import RecData

// MARK: - Agreement with the peer script's protocol (skipped when ../shared/data is absent)

/// A training-popularity recommender evaluated through RecData must reproduce the numbers that the peer script's own
/// `load` and `evaluate` rules give for the same scores (computed once with a NumPy port of `sasrec_ce.py`: same
/// loading, user filter, id remapping, history exclusion with the target kept, and pessimistic tie rank). Popularity
/// scores have many ties, so this checks tie handling, exclusion and the split on real data.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data next to the repository"))
struct PeerProtocolTests {
    /// One reference: the evaluated users (the first `users`), the stage, exclusion, and HR/NDCG at 10 and 20.
    struct Reference: Sendable, CustomTestStringConvertible {
        let folder: String
        let format: DatasetFormat
        let users: Int
        let stage: EvaluationStage
        let exclude: Bool
        let hit10: Double, ndcg10: Double, hit20: Double, ndcg20: Double

        var testDescription: String { "\(self.folder) \(self.stage) exclude=\(self.exclude)" }
    }

    static let references = [
        Reference(
            folder: "ml-100k", format: .movieLens100K, users: 943, stage: .validation, exclude: true,
            hit10: 0.073171, ndcg10: 0.033795, hit20: 0.114528, ndcg20: 0.044311),
        Reference(
            folder: "ml-100k", format: .movieLens100K, users: 943, stage: .validation, exclude: false,
            hit10: 0.038176, ndcg10: 0.017113, hit20: 0.063627, ndcg20: 0.023540),
        Reference(
            folder: "ml-100k", format: .movieLens100K, users: 943, stage: .test, exclude: true,
            hit10: 0.083775, ndcg10: 0.043211, hit20: 0.126193, ndcg20: 0.053891),
        Reference(
            folder: "ml-100k", format: .movieLens100K, users: 943, stage: .test, exclude: false,
            hit10: 0.049841, ndcg10: 0.021968, hit20: 0.079533, ndcg20: 0.029426),
        Reference(
            folder: "amazon-beauty", format: .amazon, users: 2000, stage: .test, exclude: true,
            hit10: 0.007500, ndcg10: 0.003743, hit20: 0.014500, ndcg20: 0.005483),
        Reference(
            folder: "amazon-beauty", format: .amazon, users: 2000, stage: .test, exclude: false,
            hit10: 0.007000, ndcg10: 0.003583, hit20: 0.014500, ndcg20: 0.005448),
    ]

    @Test(arguments: PeerProtocolTests.references)
    func popularityMetricsMatchThePeerProtocol(reference: Reference) throws {
        let (dataset, _) = try SequentialDataset.load(
            format: reference.format, folder: SharedData.dataPath(reference.folder))
        let split = LeaveOneOutSplit(dataset)
        var popularity = [Float](repeating: 0, count: dataset.itemCount)
        for sequence in split.trainingSequences { for item in sequence { popularity[Int(item)] += 1 } }
        var ranker = TargetRanker(itemCount: dataset.itemCount, excludeHistory: reference.exclude)
        var metrics = RankingMetrics()
        popularity.withUnsafeBufferPointer { row in
            for user in 0..<reference.users {
                let evaluationCase = split.evaluationCase(user: Int32(user), stage: reference.stage)
                metrics.add(rank: ranker.rank(row: row, target: evaluationCase.target, history: evaluationCase.history))
            }
        }
        // The references are rounded to 6 decimals.
        #expect(abs(metrics.hitRate(at: 10) - reference.hit10) < 1e-6)
        #expect(abs(metrics.ndcg(at: 10) - reference.ndcg10) < 1e-6)
        #expect(abs(metrics.hitRate(at: 20) - reference.hit20) < 1e-6)
        #expect(abs(metrics.ndcg(at: 20) - reference.ndcg20) < 1e-6)
    }
}
