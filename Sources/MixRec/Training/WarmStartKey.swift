import Foundation
import RecData
import Tensor

/// Everything the collaborative warm start's result depends on, as one `name = value` line per input: two runs
/// with equal keys compute bit-identical warm starts, so one may take the other's (``WarmStartCache``).
///
/// The inputs, from what ``MixRecModel/init(config:backbone:text:)`` and ``CollaborativePretraining`` read:
/// - the seed: the collaborative model is the first thing the model's seeded generator initialises, and the warm
///   start's batches and dropout masks derive from it;
/// - `model.collaborative.*` but the injection switches and `adapted_text` (joint training reads them, the warm
///   start does not), with `max_history` as the history it resolves to;
/// - `train.cf_pretrain.*` but `reuse`, and whether training leaves the history out of its softmax;
/// - the evaluation settings its validation and test passes read: `eval.exclude_history`, `eval.batch_users` (it
///   packs a batch's histories together, which may change the floating-point sums), `eval.cold_items` (the held-out
///   items) and `eval.head_items` (the head/tail groups of its reports);
/// - the data: its config (where the split comes from) and a fingerprint of the split itself, every user's items
///   and the cold items by stage, so that changed files on disk miss;
/// - with `item_text`, the frozen text features it reads: the backbone and the first adapted layer (where they come
///   from) and a hash of the feature tensor itself;
/// - OpenBLAS's kernel and thread count, which may change the floating-point sums;
/// - ``version``.
public struct WarmStartKey: Hashable, Sendable {
    /// The version of what a warm start computes: raise it when a change of the warm start's code changes its
    /// result, so that results cached on disk by older code miss.
    static let version = 1

    /// One `name = value` line per input, sorted.
    public let text: String

    /// The key of the warm start a fresh run of `model` on `data` computes.
    init(model: MixRecModel, data: RecommendationData) {
        var lines = Self.configInputs(model.config)
        lines.append("version = \(Self.version)")
        lines.append("data.fingerprint = \(Self.fingerprint(data.split, itemCount: data.itemCount).hex)")
        if let features = model.collaborative?.textFeatures {
            var hash = FNV1a()
            hash.combine(tensor: features)
            lines.append("text_features = \(hash.hex)")
        }
        lines.append("blas = \(BLASRuntime.summary)")
        self.text = lines.sorted().joined(separator: "\n")
    }

    /// 16 hex digits naming the key (FNV-1a 64 of ``text``): its cache file's name.
    public var name: String {
        FNV1a(self.text.utf8).hex
    }

    /// The study-level name of the warm start a fresh run of `config` computes: 16 hex digits (FNV-1a 64) of its
    /// ``configInputs(_:)`` and ``version``, sorted; nil when `config` has no collaborative model. A cluster
    /// coordinator names a trial's shared warm start with it without reading any data; the workers still check the
    /// full key (data, text features, BLAS) stored in the file before using one.
    public static func studyName(of config: MixRecConfig) -> String? {
        guard config.model.collaborative.enabled else { return nil }
        let lines = Self.configInputs(config) + ["version = \(Self.version)"]
        return FNV1a(lines.sorted().joined(separator: "\n").utf8).hex
    }

    /// The inputs a config sets, one `name = value` line each (unsorted): two configs whose lines are equal compute
    /// the same warm start on the same data and backbone. A study compares them to find the search parameters the
    /// warm start depends on.
    public static func configInputs(_ config: MixRecConfig) -> [String] {
        var collaborative = config.model.collaborative
        let defaults = CollaborativeConfig()
        collaborative.injectItems = defaults.injectItems
        collaborative.injectUser = defaults.injectUser
        collaborative.injectScores = defaults.injectScores
        collaborative.adaptedText = defaults.adaptedText
        collaborative.maximumHistory = config.collaborativeHistory
        var pretraining = config.training.collaborativePretraining
        pretraining.reuse = CollaborativePretrainingConfig().reuse
        let evaluation = config.evaluation
        var lines = [
            "seed = \(config.seed)", "data = \(config.data)", "model.collaborative = \(collaborative)",
            "train.cf_pretrain = \(pretraining)", "train.exclude_history = \(config.trainingExcludesHistory)",
            "eval.exclude_history = \(evaluation.excludeHistory)", "eval.batch_users = \(evaluation.batchUsers)",
            "eval.cold_items = \(evaluation.coldItems)", "eval.head_items = \(evaluation.headItems)",
        ]
        if collaborative.itemText {
            lines.append("backbone = \(config.backbone)")
            lines.append("model.text_vector = \(config.model.textVector.rawValue)")
            if config.model.textVector == .align {
                lines.append(
                    "text.first_adapted_layer = \(config.model.experts.firstAdaptedLayer.map(String.init) ?? "top")")
            }
        }
        return lines
    }

    /// FNV-1a 64 of the split's content: the item count, every user's items in order and the cold items by stage.
    private static func fingerprint(_ split: LeaveOneOutSplit, itemCount: Int) -> FNV1a {
        var hash = FNV1a()
        hash.combine(integer: UInt64(itemCount))
        hash.combine(integer: UInt64(split.sequences.count))
        for sequence in split.sequences {
            hash.combine(integer: UInt64(sequence.count))
            for item in sequence { hash.combine(integer: item) }
        }
        for stage in EvaluationStage.allCases {
            let cold = split.coldItems?.items(of: stage) ?? []
            hash.combine(integer: UInt64(cold.count))
            for item in cold { hash.combine(integer: item) }
        }
        return hash
    }
}
