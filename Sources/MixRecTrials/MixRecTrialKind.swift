import Cluster
import ConfigKit
import Foundation
import MixRec
import Search

/// `objective.kind: mixrec`: trials train the MixRec model from the training config `objective.config` with the
/// study's `objective.set` overrides, the trial's values on top (``MixRecTrialConfig``); workers train them with
/// ``MixRecTrialRunner``.
public struct MixRecTrialKind: TrialKind {
    /// `mixrec`.
    public static let name = "mixrec"

    public var name: String { Self.name }

    public init() {}

    /// Reads `config`, `set` and `metric` (a validation metric, `valid/ndcg@10` by default), and checks the search
    /// file's parameters against the training config.
    public func objective(_ section: ConfigSection, study: StudyObjectiveContext) throws -> StudyObjective {
        let configPath = study.resolve(try section.string("config"))
        var training = try ConfigDocument(contentsOf: configPath)
        // The study decides whether trials share warm starts, whatever the training config says, and where they
        // validate for the pruner's rungs.
        let rungs = study.search.pruner.rungFractions
        let overrides =
            try section.strings("set", default: [])
            + ["train.cf_pretrain.reuse=\(study.sharesWarmStart)"]
            + (rungs.isEmpty ? [] : ["train.rungs=[\(rungs.map { "\($0)" }.joined(separator: ", "))]"])
        for assignment in overrides { try training.override(assignment) }
        let task = TrialTask.config(
            kind: Self.name, baseConfig: try String(contentsOfFile: configPath, encoding: .utf8), overrides: overrides)
        let metric = try section.string("metric", default: MixRecTrialConfig.objectiveMetric)
        guard metric.hasPrefix(MixRecTrialConfig.validationPrefix) else {
            throw ConfigError.invalidValue(
                key: "objective.metric", value: metric, allowed: "a validation metric such as valid/ndcg@10")
        }
        let samples = try MixRecTrialConfig.samples(study.search, seed: study.seed)
        try MixRecTrialConfig.check(samples, base: training)
        return StudyObjective(
            task: task, metric: metric,
            warmStartParameters: MixRecTrialConfig.warmStartParameters(samples, search: study.search, base: training),
            canonicalLines: training.value.canonicalLines.map { "objective.config.\($0)" }, expandedKeys: ["config"])
    }

    /// ``WarmStartKey/studyName(of:)`` of the trial's training config, as its workers make it (the study's text and
    /// overrides, the trial's values, epochs and seed). Nil without `study.share_warm_start`: then nothing is
    /// shipped and every worker keeps its warm starts to itself.
    public func warmStartNaming(
        task: TrialTask, epochs: Int, sharesWarmStart: Bool
    ) -> (@Sendable (Trial) -> String?)? {
        guard sharesWarmStart, case .config(Self.name, let baseConfig, let overrides) = task else { return nil }
        return { trial in
            let config = try? MixRecTrialConfig.make(
                baseConfig: baseConfig, overrides: overrides, configuration: trial.params, epochs: epochs,
                seed: trial.seed)
            return config.flatMap(WarmStartKey.studyName(of:))
        }
    }
}
