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

    @Option(help: "Also write the metrics as JSON (the layout of a run's metrics.json) to this file.")
    var json: String?

    @OptionGroup var runtime: RuntimeOptions

    @OptionGroup var textCache: TextCacheOptions

    func run() throws {
        self.runtime.apply()
        let run = try TrainedRun(
            folder: self.checkpoint, overrides: self.overrides,
            workspace: self.textCache.workspace(log: { Console.note($0) }))
        let trainer = MixRecTrainer(model: run.model, data: run.data)
        let result = try trainer.evaluateModel(onEvaluation: EvaluationProgressDisplay().show)
        let metrics = RunMetrics(
            result, excludeHistory: run.config.evaluation.excludeHistory, seconds: result.seconds)
        print(MetricsTable.render(metrics))
        if let json = self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(metrics).write(to: URL(fileURLWithPath: json))
        }
    }
}
