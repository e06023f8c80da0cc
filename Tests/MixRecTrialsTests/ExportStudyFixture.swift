import Cluster
import Foundation
import MixRec
import MixRecTrials
import Search
import Tensor
import TestKit
import Testing

/// A MixRec study written by hand for the export tests: a study config (with `objective.set`) over a tiny
/// training config on the synthetic dataset, stored as a coordinator stores it, and trials with and without
/// checkpoints.
struct ExportStudyFixture {
    let directory: ScratchFolder
    let store: StudyStore

    /// The trials: 1 COMPLETE and best (0.5), 2 COMPLETE (0.3), 3 RUNNING with a higher intermediate value, 4
    /// COMPLETE (0.2) without a checkpoint.
    static let trials: [(id: UInt64, lr: Double, rank: Int, seed: UInt64, state: TrialState, final: Double?)] = [
        (1, 0.004, 3, 77, .complete, 0.5), (2, 0.002, 2, 78, .complete, 0.3), (3, 0.008, 4, 79, .running, nil),
        (4, 0.001, 2, 80, .complete, 0.2),
    ]

    /// - Parameter model: the backbone file the training config names (the default model when nil).
    init(model: String? = nil) throws {
        self.directory = try ScratchFolder()
        let folder = self.directory.url
        try """
        seed: 5
        data: {format: synthetic, synthetic: {users: 30, items: 24, seed: 5}, max_history: 6, item_tokens: 6}
        backbone: {model: \(model ?? "default"), layers: 2}
        model:
          collaborative: {width: 8}
          experts: {groups: {top: {from: 1, to: 1, types: [lora], experts: 2, rank: 2, top_k: 1}}}
        train: {epochs: 1, batch_users: 8, lr: 0.002}
        eval: {batch_users: 7}
        """.write(to: folder.appendingPathComponent("training.yaml"), atomically: true, encoding: .utf8)
        try """
        direction: maximize
        parameters:
          - {name: train.lr, type: float, low: 1.0e-3, high: 1.0e-2, log: true}
          - {name: model.experts.groups.top.rank, type: int, low: 2, high: 4}
        """.write(to: folder.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
        try """
        study: {name: export, seed: 9, budget: 4, epochs: 2}
        search: {space: space.yaml}
        objective: {kind: mixrec, config: training.yaml, set: [model.hard_negatives=2], metric: valid/ndcg@10}
        """.write(to: folder.appendingPathComponent("study.yaml"), atomically: true, encoding: .utf8)
        // Stored as a coordinator stores it: the config's canonical text, seed and budget.
        let config = try StudyConfig(
            contentsOf: folder.appendingPathComponent("study.yaml").path, kinds: MixRecStudyConfigTests.kinds)
        self.store = try StudyStore(directory: folder)
        try self.store.saveStudy(
            StudyRecord(
                name: config.name, configJSON: config.canonicalText, seed: Int64(config.seeding.base),
                budget: config.budget, state: .running, createdAt: Date()))
        try self.store.save(
            Self.trials.map { entry in
                var trial = Trial(
                    id: TrialID(entry.id), params: Self.params(entry.lr, entry.rank), origin: .proposed,
                    seed: entry.seed)
                trial.state = entry.state
                trial.attempt = 1
                trial.intermediate[1] = ["valid/ndcg@10": entry.final ?? 0.9]
                trial.finalMetrics = entry.final.map { ["valid/ndcg@10": $0, "test/ndcg@10": $0 - 0.1] }
                return trial
            })
    }

    static func params(_ lr: Double, _ rank: Int) -> Configuration {
        Configuration(["train.lr": .double(lr), "model.experts.groups.top.rank": .int(rank)])
    }

    /// The training config trial `id` trains with, written out by hand: the training config, the study's
    /// `objective.set`, the trial's values, the study's epochs and the trial's seed.
    func expectedConfig(trial id: UInt64) throws -> MixRecConfig {
        let entry = try #require(Self.trials.first { $0.id == id })
        return try MixRecConfig(
            contentsOf: self.directory.url.appendingPathComponent("training.yaml").path,
            overrides: [
                "model.hard_negatives=2", "train.cf_pretrain.reuse=true", "train.lr=\(entry.lr)",
                "model.experts.groups.top.rank=\(entry.rank)", "train.epochs=2", "seed=\(entry.seed)",
            ])
    }

    /// Stores a training checkpoint of trial `id` after 2 epochs whose best epoch is 1: `param/NAME` from
    /// `last`, `best/NAME` from `best`.
    func storeCheckpoint(trial id: UInt64, best: [String: Tensor], last: [String: Tensor]) throws {
        var entries: [String: Tensor] = ["progress": Tensor([2, 20, 0.5, 1, 1, 20], shape: [6])]
        for (name, value) in best { entries["best/\(name)"] = value }
        for (name, value) in last { entries["param/\(name)"] = value }
        try self.store.storeCheckpoint(
            trial: TrialID(id), attempt: 1, epoch: 2, parameters: ParameterFile.encode(entries))
    }
}
