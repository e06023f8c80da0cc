import ArgumentParser
import Cluster
import ConfigKit
import Foundation
import MixRec

/// `mixrec train`: one training run, resumable from its last epoch.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train MixRec on one dataset and report full-ranking test metrics.",
        discussion: """
            Writes DIR/config.yaml, a checkpoint after every epoch (DIR/checkpoint.mixrec), DIR/history.json, and \
            at the end the best epoch's parameters (DIR/model.mixrec) and DIR/metrics.json. Running the same \
            command again continues from the last completed epoch and reaches the same result.
            """)

    @Option(help: "The training config (YAML; keys in configs/README.md). Default: configs/synthetic.yaml's content.")
    var config: String?

    @Option(help: "The run folder (default: runs/<config name>).")
    var out: String?

    @Option(name: .customLong("set"), help: "Override a config key: --set train.epochs=5 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Start over even if the run folder holds a checkpoint (its files are replaced).")
    var fresh = false

    @Option(
        help: ArgumentHelp(
            "Folder of collaborative warm starts shared between runs (as `mixrec worker --warm-starts`): a run whose "
                + "warm start is there skips it, one that computes it stores it there. Default: none.",
            valueName: "dir"))
    var warmStarts: String?

    @OptionGroup var runtime: RuntimeOptions

    @OptionGroup var textCache: TextCacheOptions

    func run() throws {
        self.runtime.apply()
        let config = try MixRecConfig.load(path: self.config, overrides: self.overrides)
        let name = self.config.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "synthetic"
        let directory = RunDirectory(self.out ?? "runs/\(name)")
        try directory.create()
        let started = Date()
        let workspace = self.textCache.workspace(warmStartDirectory: self.warmStarts, log: { Console.note($0) })
        let trainer = try MixRecTrainer(config: config, workspace: workspace)
        try self.resumeIfPossible(trainer, config: config, directory: directory)
        try directory.write(Array(try config.document.yamlText.utf8), to: directory.configFile)
        var history = try self.history(in: directory, upTo: trainer.completedEpochs)
        let stop = SignalStop()
        var bar: ProgressBar?
        let result: TrainingResult
        do {
            result = try trainer.train(
                onStep: { report in
                    if report.batch == 1 {
                        bar = ProgressBar(
                            "epoch \(report.epoch + 1)/\(config.training.epochs)", total: report.batchCount,
                            unit: "steps", firstDone: 1)
                    }
                    let parts = report.losses.sorted { $0.key < $1.key }
                        .map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: " ")
                    bar?.update(report.batch, detail: parts)
                    if report.batch == report.batchCount {
                        bar?.finish()  // before the validation pass draws its own bar
                        bar = nil
                    }
                },
                onEpoch: { summary in
                    history.append(summary)
                    try directory.write(trainer.checkpoint(), to: directory.checkpointFile)
                    try directory.writeJSON(history, to: directory.historyFile)
                    Console.note(Self.describe(summary))
                    return .proceed
                },
                isCancelled: { stop.signal.isStopped },
                onCollaborativeEpoch: { Console.note(Self.describe($0)) },
                onEvaluation: EvaluationProgressDisplay().show)
        } catch TrainingError.cancelled {
            bar?.finish()
            Console.note(
                "stopped after \(trainer.completedEpochs) complete epochs; run the same command to continue")
            throw ExitCode(130)
        }
        try directory.write(trainer.modelParameters(), to: directory.modelFile)
        let metrics = RunMetrics(
            result, excludeHistory: config.evaluation.excludeHistory, seconds: Date().timeIntervalSince(started))
        try directory.writeJSON(metrics, to: directory.metricsFile)
        print(MetricsTable.render(metrics))
        print("wrote \(directory.metricsFile.path)")
    }

    /// Restores the run folder's checkpoint when it belongs to the same config.
    private func resumeIfPossible(_ trainer: MixRecTrainer, config: MixRecConfig, directory: RunDirectory) throws {
        guard !self.fresh, let bytes = try directory.read(directory.checkpointFile) else { return }
        guard let saved = try directory.savedConfig(), saved.document.canonicalText == config.document.canonicalText
        else {
            throw ValidationError(
                "\(directory.url.path) holds a run of a different config; use --fresh to replace it or --out for "
                    + "another folder")
        }
        try trainer.restore(bytes)
        Console.note("resuming \(directory.url.path) after epoch \(trainer.completedEpochs)")
    }

    private func history(in directory: RunDirectory, upTo epochs: Int) throws -> [EpochSummary] {
        guard !self.fresh, epochs > 0, let bytes = try directory.read(directory.historyFile) else { return [] }
        let saved = try JSONDecoder().decode([EpochSummary].self, from: Data(bytes))
        return Array(saved.prefix(epochs))
    }

    private static func describe(_ summary: EpochSummary) -> String {
        "epoch \(summary.epoch): loss \(String(format: "%.4f", summary.loss)), valid "
            + Self.describe(summary.validation) + String(format: " (%.1f s", summary.seconds)
            + (summary.steps.map { "; median \($0.summary)" } ?? "") + ")"
    }

    private static func describe(_ summary: CollaborativePretrainingEpoch) -> String {
        "collaborative warm start \(summary.epoch)/\(summary.epochs): loss \(String(format: "%.4f", summary.loss)), "
            + "valid " + Self.describe(summary.validation) + String(format: " (%.1f s)", summary.seconds)
    }

    private static func describe(_ validation: [String: Double]) -> String {
        ["ndcg@10", "hr@10"].map { "\($0) \(String(format: "%.4f", validation[$0] ?? 0))" }.joined(separator: ", ")
    }
}
