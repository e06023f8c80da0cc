import ArgumentParser
import Foundation
import MixRec
import RecData

/// `mixrec evaluate`: full-ranking metrics of a trained run, under both history protocols.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Rank all items for every validation and test user of a trained run and print HR@K and NDCG@K.")

    @Option(help: "The run folder written by `mixrec train` (holds config.yaml and model.mixrec).")
    var checkpoint: String

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        self.runtime.apply()
        let run = try TrainedRun(folder: self.checkpoint, overrides: self.overrides)
        let trainer = MixRecTrainer(model: run.model, data: run.data)
        let result = try trainer.evaluateModel(onEvaluation: EvaluationProgressDisplay().show)
        let metrics = RunMetrics(
            result, excludeHistory: run.config.evaluation.excludeHistory, seconds: result.seconds)
        print(MetricsTable.render(metrics))
    }
}

/// A finished run loaded back: its config, data and model with the saved parameters.
struct TrainedRun {
    let config: MixRecConfig
    let model: MixRecModel
    let data: RecommendationData

    init(folder: String, overrides: [String]) throws {
        let directory = RunDirectory(folder)
        guard FileManager.default.fileExists(atPath: directory.configFile.path) else {
            throw ValidationError(
                "\(folder) holds no run (no config.yaml); train one with `mixrec train --out \(folder)`")
        }
        guard let parameters = try directory.read(directory.modelFile) else {
            throw ValidationError("\(folder) has no model.mixrec yet: the run has not finished")
        }
        self.config = try MixRecConfig(contentsOf: directory.configFile.path, overrides: overrides)
        let workspace = MixRecWorkspace(log: { Console.note($0) })
        (self.model, self.data) = try workspace.model(for: self.config)
        try self.model.loadParameters(parameters)
    }
}
