import Cluster
import Foundation
import Search
import Testing

/// Configurations run with several seeds: mean and sample standard deviation of the objective, in the report.
@Suite struct SeedSummaryTests {
    /// One run of a configuration `x` with `seed` (seed 0 is the study's: a budget trial; others are replicates).
    private typealias Run = (x: Int, seed: UInt64, state: TrialState, value: Double)

    /// A study of `runs`, trial ids in their order.
    private static func study(_ runs: [Run]) throws -> (StudyDirectory, StudyStore) {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        try store.save(
            runs.enumerated().map { index, run in
                var trial = Trial(
                    id: TrialID(UInt64(index + 1)), params: Configuration(["x": .int(run.x)]),
                    origin: run.seed == 0 ? .proposed : .replicate, seed: run.seed)
                trial.state = run.state
                trial.finalMetrics = ["valid/ndcg@10": run.value]
                return trial
            })
        return (directory, store)
    }

    /// x=1 completes with seeds 0, 1, 2 (0.2, 0.4, 0.6); x=2 with seeds 0, 1 (0.5, 0.7); x=3 once (0.9, the best
    /// single trial); x=4 completes once and its second seed is pruned.
    private func study() throws -> (StudyDirectory, StudyStore) {
        try Self.study([
            (1, 0, .complete, 0.2), (2, 0, .complete, 0.5), (3, 0, .complete, 0.9), (4, 0, .complete, 0.1),
            (1, 1, .complete, 0.4), (1, 2, .complete, 0.6), (2, 1, .complete, 0.7), (4, 1, .pruned, 0.05),
        ])
    }

    @Test func meanAndSampleStandardDeviationOverSeedsRankTheConfigurations() throws {
        let (directory, store) = try self.study()
        defer { withExtendedLifetime(directory) {} }
        let status = try StudyStatus.load(from: store)
        let best = SeedSummary.summaries(of: status.trials, objective: "valid/ndcg@10", maximize: true)
        #expect(best.map(\.params) == [Configuration(["x": .int(2)]), Configuration(["x": .int(1)])])
        #expect(best.map(\.trials) == [[2, 7], [1, 5, 6]])
        #expect(best.map(\.seeds) == [[0, 1], [0, 1, 2]])
        #expect(best.map(\.count) == [2, 3])
        // x=2: mean 0.6, std √((0.01 + 0.01) / 1); x=1: mean 0.4, std √((0.04 + 0 + 0.04) / 2) = 0.2.
        #expect(abs(best[0].mean - 0.6) < 1e-12 && abs(best[0].standardDeviation - 0.02.squareRoot()) < 1e-12)
        #expect(abs(best[1].mean - 0.4) < 1e-12 && abs(best[1].standardDeviation - 0.2) < 1e-12)
        let lowest = SeedSummary.summaries(of: status.trials, objective: "valid/ndcg@10", maximize: false)
        #expect(lowest.map(\.trials) == [[1, 5, 6], [2, 7]])
        // Both ran with seeds 0 and 1: x=1's mean there is 0.3.
        #expect(best.map(\.sharedSeeds) == [[0, 1], [0, 1]])
        #expect(abs(best[1].sharedMean - 0.3) < 1e-12 && abs(best[0].sharedMean - 0.6) < 1e-12)
    }

    /// A configuration whose study-seed trial was pruned has a mean over its luckier replicates only: it is ranked
    /// by the seeds it shares with the others.
    @Test func configurationsAreRankedOverTheSeedsTheyShare() throws {
        // x=1: seeds 0, 1, 2 at 0.50, 0.40, 0.45 (mean 0.45); x=2: seed 0 pruned, seeds 1, 2 at 0.41, 0.46; x=3: a
        // lucky replicate alone (trial 7).
        let (directory, store) = try Self.study([
            (1, 0, .complete, 0.50), (2, 0, .pruned, 0.30), (1, 1, .complete, 0.40), (1, 2, .complete, 0.45),
            (2, 1, .complete, 0.41), (2, 2, .complete, 0.46), (3, 1, .complete, 0.90),
        ])
        defer { withExtendedLifetime(directory) {} }
        let status = try StudyStatus.load(from: store)
        let ranked = SeedSummary.summaries(of: status.trials, objective: "valid/ndcg@10", maximize: true)
        // By the plain mean x=2 (0.435) would lose to x=1 (0.45); over seeds 1 and 2 it wins, 0.435 to 0.425.
        #expect(ranked.map(\.params) == [Configuration(["x": .int(2)]), Configuration(["x": .int(1)])])
        #expect(ranked.map(\.sharedSeeds) == [[1, 2], [1, 2]])
        #expect(status.best?.id == 1, "the best trial is the budget's, not the lucky replicate's")
        let html = try StudyReport.html(from: store)
        #expect(html.contains("Ranked by the mean over seeds 1, 2"))
    }

    @Test func theReportNamesTheBestConfigurationByItsMean() throws {
        let (directory, store) = try self.study()
        defer { withExtendedLifetime(directory) {} }
        let html = try StudyReport.html(from: store)
        #expect(html.contains("Best trial: 3"), "the best single trial is still shown")
        #expect(html.contains("<h2>Best configuration by mean over seeds</h2>\n<p><code>x=2</code>"))
        #expect(html.contains("0.6 ± 0.1414 (sample std, n = 2)"))
        #expect(html.contains("<td><code>x=1</code></td><td>0.4</td><td>0.2</td><td>3</td><td>0, 1, 2</td>"))
    }

    @Test func aStudyWithOneSeedPerConfigurationHasNoSeedSection() throws {
        let fixture = try DashboardStudyFixture()
        let html = try StudyReport.html(from: try StudyStore.openReadOnly(directory: fixture.directory.url))
        #expect(!html.contains("mean over seeds"))
    }
}
