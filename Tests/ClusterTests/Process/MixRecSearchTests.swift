import Cluster
import Foundation
import TestKit
import Testing

/// Real MixRec trials (the SmolLM2 backbone, cut to two blocks, on a tiny synthetic dataset) through
/// `mixrec coordinator` and two `mixrec worker` processes on 127.0.0.1, proposed by the Bayesian optimizer: one
/// worker per trial, or both as one data-parallel group.
@Suite(
    .serialized,
    .enabled(
        if: MixRecBinary.available && SharedData.modelAvailable,
        "needs .build/debug/mixrec and the SmolLM2 model in ../shared/models (SharedData.modelAvailable)"),
    .enabled(
        if: ProcessInfo.processInfo.environment["MIXREC_REAL_TRIALS"] == "1",
        "minutes in a debug build: set MIXREC_REAL_TRIALS=1 to run real MixRec trials through the cluster"))
struct MixRecSearchTests {
    /// A training config small enough for a debug build.
    private static func training(model: String) -> String {
        """
        data: {format: synthetic, synthetic: {users: 48, items: 32}, max_history: 6, item_tokens: 6}
        backbone: {model: \(model), layers: 2}
        model: {hard_negatives: 2, collaborative: {width: 16, blocks: 1}}
        train: {batch_users: 16}
        eval: {batch_users: 64}
        """
    }

    private static let space = """
        direction: maximize
        optimizer: {initial_trials: 2, candidates: 64, local_starts: 1, local_steps: 4, restarts: 1, fit_iterations: 10}
        parameters:
          - {name: train.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}
          - {name: model.experts.groups.top.types, type: categorical, choices: [lora, bottleneck, lora+bottleneck]}
        """

    private static func config(groupSize: Int) -> String {
        """
        study: {name: mixrec-test, seed: 5, budget: 3, epochs: 2, group_size: \(groupSize), retry_cap: 1}
        heartbeat: {interval_ms: 200, idle_suspect_ms: 3000, idle_dead_ms: 20000, busy_suspect_ms: 3000, \
        busy_dead_ms: 20000}
        search: {space: space.yaml}
        objective:
          kind: mixrec
          config: train.yaml
          set: [model.experts.groups.top.from=1, model.experts.groups.top.to=1, model.experts.groups.top.experts=2]
          metric: valid/ndcg@10
        """
    }

    @Test(arguments: [1, 2])
    func realMixRecTrialsRunOnTwoWorkersAndReportRankingMetrics(groupSize: Int) throws {
        let model = try #require(SharedData.smolLMPath)
        let study = try LocalStudy(
            config: Self.config(groupSize: groupSize),
            files: ["train.yaml": Self.training(model: model), "space.yaml": Self.space])
        let started = Date()
        let coordinator = try study.startCoordinator()
        for id in ["m1", "m2"] {
            try study.startWorker(id, peerEndpoint: "tcp://127.0.0.1:\(MixRecBinary.freePort())")
        }

        #expect(coordinator.exitStatus(within: 1200) == 0, "\(coordinator.output)")
        let seconds = Date().timeIntervalSince(started)
        let status = try #require(study.status())
        #expect(status.study?.state == .finished)
        #expect(status.trials.map(\.state) == [.complete, .complete, .complete], "\(status.trials)")
        #expect(Set(status.trials.flatMap(\.workers)) == ["m1", "m2"], "both workers trained")
        #expect(Set(status.trials.map(\.params)).count == 3)
        let store = try StudyStore.openReadOnly(directory: study.directory.url)
        for trial in status.trials {
            let ndcg = try #require(trial.metrics["valid/ndcg@10"], "\(trial.metrics)")
            let hits = try #require(trial.metrics["test/hr@10"], "\(trial.metrics)")
            #expect((0...1).contains(ndcg) && (0...1).contains(hits))
            #expect(trial.metrics["test/ndcg@10"].map { $0 <= hits + 1e-12 } == true, "NDCG@10 ≤ HR@10")
            #expect(trial.epoch >= 1 && trial.epoch <= 2)
            let checkpoint = try #require(try store.loadCheckpoint(trial: TrialID(trial.id)))
            #expect(checkpoint.record.epoch == trial.epoch && !checkpoint.parameters.isEmpty)
        }
        #expect(status.best != nil)
        if groupSize == 2 {
            #expect(status.trials.allSatisfy { Set($0.workers) == ["m1", "m2"] }, "every trial ran data-parallel")
            // Both ranks log their replica check after every epoch: the same state checksums and metrics.
            let checks = try ["m1", "m2"].map { id in
                try String(contentsOf: study.log(id), encoding: .utf8).split(separator: "\n")
                    .filter { $0.contains("replicas agree") }
                    .map { $0.replacing(/.*trial/, with: "trial").replacing(/\s?rank \d\/2/, with: "") }
            }
            #expect(checks[0].count >= 3 && checks[0] == checks[1], "\(checks)")
        }
        let time = String(format: "%.0f", seconds)
        print("3 MixRec trials on 2 workers, groups of \(groupSize): \(time) s (debug build)")
    }
}
