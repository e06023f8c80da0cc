import Foundation
import Testing

@testable import RecData

/// The cold-item split and the per-popularity and per-source reports that evaluation builds on.
@Suite struct ColdItemTests {
    /// 40 users over 30 items with overlapping histories of 5 to 12 items.
    static func dataset() -> SequentialDataset {
        var random = SeededRandom(seed: 4)
        let sequences = (0..<40).map { _ in
            (0..<(5 + random.nextInt(below: 8))).map { _ in Int32(random.nextInt(below: 30)) }
        }
        return SequentialDataset(
            sequences: sequences, userIDs: (0..<40).map { "u\($0)" }, itemIDs: (0..<30).map { "i\($0)" },
            itemAttributes: [[ItemAttribute]](repeating: [], count: 30))
    }

    @Test func coldItemsAreSeededAndSplitIntoValidationAndTestHalves() {
        let cold = ColdItems(itemCount: 30, fraction: 0.2, seed: 7)
        #expect(cold == ColdItems(itemCount: 30, fraction: 0.2, seed: 7))
        #expect(cold != ColdItems(itemCount: 30, fraction: 0.2, seed: 8))
        let (validation, test) = (cold.items(of: .validation), cold.items(of: .test))
        #expect(validation.count == 3 && test.count == 3 && Set(validation).isDisjoint(with: test))
        #expect((0..<30).filter { cold.contains(Int32($0)) }.count == 6)
    }

    /// No cold item reaches any training sequence, training window, exclusion list or input history; targets stay.
    @Test func noColdItemEntersTrainingOrAnyHistory() {
        let dataset = Self.dataset()
        let cold = ColdItems(itemCount: 30, fraction: 0.3, seed: 1)
        let split = LeaveOneOutSplit(dataset, coldItems: cold)
        let users = (0..<Int32(40))
        var coldTargets = 0
        for user in users {
            let window = split.trainingWindow(user: user, maxLength: 4)
            let seen =
                Array(split.trainingSequence(user: user)) + Array(window.inputs) + Array(window.targets)
                + split.earlierItems(of: window).flatMap { $0 }
                + split.trainingWindow(user: user, maxLength: 50).inputs
            #expect(!seen.contains { cold.contains($0) }, "user \(user) trains on a cold item")
            for stage in EvaluationStage.allCases {
                let evaluationCase = split.evaluationCase(user: user, stage: stage)
                #expect(!evaluationCase.history.contains { cold.contains($0) })
                let sequence = dataset.sequences[Int(user)]
                #expect(evaluationCase.target == sequence[sequence.count - (stage == .validation ? 2 : 1)])
                #expect(
                    Array(evaluationCase.history)
                        == sequence.dropLast(stage == .validation ? 2 : 1).filter { !cold.contains($0) })
            }
        }
        for stage in EvaluationStage.allCases {
            let cases = split.evaluationCases(users: users, stage: stage)
            for evaluationCase in cases {
                #expect(!evaluationCase.history.isEmpty)
                if let held = cold.stage(of: evaluationCase.target) {
                    #expect(held == stage, "a \(stage) case asks for the other stage's cold item")
                    coldTargets += 1
                }
            }
            // Every case left out asks for the other stage's cold item or has an empty history.
            let kept = Set(cases.map(\.user))
            for user in users where !kept.contains(user) {
                let evaluationCase = split.evaluationCase(user: user, stage: stage)
                let other = cold.stage(of: evaluationCase.target)
                #expect(evaluationCase.history.isEmpty || (other != nil && other != stage))
            }
        }
        #expect(coldTargets > 0, "the fixture has cold targets to rank")
        #expect(split.trainableUsers.allSatisfy { split.trainingSequence(user: $0).count >= 2 })
    }

    @Test func withoutColdItemsEveryCaseIsRanked() {
        let split = LeaveOneOutSplit(Self.dataset())
        #expect(split.evaluationCases(users: 0..<40, stage: .test).count == 40)
        #expect(
            split.evaluationCases(users: 0..<40, stage: .test)
                == (0..<40).map { split.evaluationCase(user: $0, stage: .test) })
    }

    @Test func popularityBucketsPutTheMostFrequentItemsInTheHead() {
        // Item 2 occurs 3 times, 0 and 4 twice, 1 once, 3 never.
        let buckets = PopularityBuckets(
            trainingSequences: [[2, 0, 2], [4, 2, 0, 4, 1]], itemCount: 5, headFraction: 0.4)
        #expect((0..<5).map { buckets.bucket(of: Int32($0)) } == [0, 1, 0, 1, 1])
    }

    @Test func reportCellsAreSeparateAndRoundTripThroughSummableCounts() throws {
        var report = RankingReport(sources: ["a", "b"], protocols: [true, false], groups: ["x", "y"])
        report.add(rank: 0, source: 0, protocolIndex: 0, groups: [0, 1])
        report.add(rank: 3, source: 1, protocolIndex: 1, groups: [1])
        #expect(report.metrics(source: "a", excludeHistory: true, group: "y")?.hitRate(at: 5) == 1)
        #expect(report.metrics(source: "a", excludeHistory: false, group: "y")?.count == 0)
        #expect(report.metrics(source: "b", excludeHistory: false, group: "y")?.ndcg(at: 5) == 1 / log2(5.0))
        #expect(report.metrics(source: "c", excludeHistory: true, group: "x") == nil)
        let copy = try #require(
            RankingReport(
                sources: ["a", "b"], protocols: [true, false], groups: ["x", "y"], summableCounts: report.summableCounts
            ))
        #expect(copy == report)
        #expect(
            RankingReport(
                sources: ["a"], protocols: [true, false], groups: ["x", "y"], summableCounts: report.summableCounts)
                == nil)
    }
}
