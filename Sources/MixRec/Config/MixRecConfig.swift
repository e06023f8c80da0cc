import ConfigKit

/// A whole MixRec training config: data, backbone, model, losses, training and evaluation.
///
/// Every key is documented in `configs/README.md`; reading rejects unknown keys and out-of-range values with
/// the key's dotted path.
public struct MixRecConfig: Sendable, Equatable {
    /// The seed of everything random in a run (initialisation, batching, dropout).
    public var seed: UInt64 = 42
    /// `data.*`
    public var data: DataConfig
    /// `backbone.*`
    public var backbone: BackboneConfig
    /// `model.*`
    public var model: ModelConfig
    /// `losses.*`
    public var losses: LossWeights
    /// `train.*`
    public var training: TrainingConfig
    /// `eval.*`
    public var evaluation: EvaluationConfig
    /// The document it was read from (overrides applied): its canonical text identifies the config.
    public let document: ConfigDocument

    /// Reads and validates a config document.
    public init(document: ConfigDocument) throws {
        let root = document.root
        self.document = document
        self.seed = UInt64(try root.int("seed", default: Int(self.seed), min: 0))
        self.data = try DataConfig(from: root.section("data"))
        self.backbone = try BackboneConfig(from: root.section("backbone"))
        self.model = try ModelConfig(from: root.section("model"), layerCount: self.backbone.layers)
        self.losses = try LossWeights(from: root.section("losses"))
        self.training = try TrainingConfig(from: root.section("train"))
        self.evaluation = try EvaluationConfig(from: root.section("eval"))
        try root.finish()
        if let length = self.model.collaborative.maximumHistory, length < self.data.maximumHistory {
            throw ConfigError.invalidValue(
                key: "model.collaborative.max_history", value: "\(length)",
                allowed: "at least data.max_history (\(self.data.maximumHistory))")
        }
        let collaborative = self.model.collaborative
        if collaborative.adaptedText
            && !(collaborative.enabled && collaborative.itemText && collaborative.injectScores
                && self.model.contextMasking && self.model.textVector == .align)
        {
            throw ConfigError.invalidValue(
                key: "model.collaborative.adapted_text", value: "true",
                allowed: "false unless model.collaborative.enabled, item_text and inject_scores and "
                    + "model.context_masking are true and model.text_vector is align (it changes the collaborative "
                    + "scores that rank, starting from the frozen [ALIGN] vectors)")
        }
        if self.model.textMatchItems == .adapted
            && !(self.model.textMatch && self.model.contextMasking && self.model.itemProjectionInit == .align)
        {
            throw ConfigError.invalidValue(
                key: "model.text_match_items", value: "adapted",
                allowed: "frozen unless model.text_match and model.context_masking are true and "
                    + "model.item_projection_init is align (the change is measured from the [ALIGN] vectors W "
                    + "starts from, and the item tower encodes it)")
        }
    }

    /// The most recent items the collaborative model reads: `model.collaborative.max_history`, else
    /// `data.max_history`.
    public var collaborativeHistory: Int {
        self.model.collaborative.maximumHistory ?? self.data.maximumHistory
    }

    /// Whether training leaves each position's earlier items out of its next-item softmax: `train.exclude_history`,
    /// else `eval.exclude_history` (training then matches the protocol it is evaluated by).
    public var trainingExcludesHistory: Bool {
        self.training.excludeHistory ?? self.evaluation.excludeHistory
    }

    /// Reads a YAML config file and applies `--set key=value` overrides in order.
    public init(contentsOf path: String, overrides: [String] = []) throws {
        var document = try ConfigDocument(contentsOf: path)
        for assignment in overrides {
            try document.override(assignment)
        }
        try self.init(document: document)
    }

    /// A config file with overrides, or the built-in defaults (the synthetic dataset) with overrides when `path`
    /// is nil.
    public static func load(path: String?, overrides: [String] = []) throws -> MixRecConfig {
        if let path { return try MixRecConfig(contentsOf: path, overrides: overrides) }
        var document = try ConfigDocument(yaml: "{}", source: "built-in defaults")
        for assignment in overrides { try document.override(assignment) }
        return try MixRecConfig(document: document)
    }
}
