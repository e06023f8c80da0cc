import ConfigKit

/// What a `[SEQ]` token attends to.
public enum SequenceView: String, CaseIterable, Sendable {
    /// Every token before it (the literal reading of the design).
    case all
    /// Each earlier item's `[ALIGN]` token and the earlier `[SEQ]` tokens: one key/value per item per layer.
    case summaries
}

/// Which frozen vector stands for an item's text where MixRec reads text directly (`model.text_vector`): the
/// collaborative model's `item_text` features and the cold-item text baseline.
public enum TextVector: String, CaseIterable, Sendable {
    /// The mean of the text's token states after the backbone's blocks (final norm applied).
    case tokenMean = "token_mean"
    /// The item's initial `[ALIGN]` state after the backbone's blocks (W's initialisation).
    case align
}

/// The items' vectors the text-match term reads (`model.text_match_items`).
public enum TextMatchItemSource: String, CaseIterable, Sendable {
    /// Their frozen text vectors (`model.text_vector`).
    case frozen
    /// Their frozen text vectors moved by what the experts have changed in their `[ALIGN]` vectors since
    /// initialisation: the experts then change the similarities the term ranks by.
    case adapted
}

/// Where the item projection W starts (`model.item_projection_init`).
public enum ItemProjectionInit: String, CaseIterable, Sendable {
    /// Each item's initial `[ALIGN]` state: the alignment task starts solved.
    case align
    /// Each item's `model.text_vector`: the `[SEQ]` states score items by what their text says from the start.
    case textVector = "text_vector"
}

/// The small ID-based collaborative model trained jointly with the LLM (`model.collaborative.*`).
public struct CollaborativeConfig: Sendable, Equatable {
    /// Train the collaborative model and inject it; false is the "no collaborative injection" ablation.
    public var enabled = true
    /// Width of its item embeddings and hidden states.
    public var width = 64
    /// Its self-attention blocks.
    public var blocks = 2
    /// Its attention heads.
    public var heads = 1
    /// Dropout on its embeddings and blocks while training.
    public var dropout = 0.2
    /// Dropout on its attention probabilities while training: `dropout` unless set.
    public var attentionDropout: Double {
        get { self.attentionDropoutSetting ?? self.dropout }
        set { self.attentionDropoutSetting = newValue }
    }
    private var attentionDropoutSetting: Double?
    /// Add its item embedding to each item span as the `[CF]` token.
    public var injectItems = true
    /// Add its sequence state to the `[SEQ]` tokens.
    public var injectUser = true
    /// Add its own next-item scores to MixRec's (logit-level injection).
    public var injectScores = true
    /// Add each item's frozen LLM text representation, through a learnt projection, to its ID embedding.
    public var itemText = false
    /// With `item_text`, score items by their expert-adapted text representation instead of the frozen one.
    public var adaptedText = false
    /// With `item_text`, the probability that an item's ID embedding is left out of its vector in a training
    /// pass of the collaborative model, so that its projected text learns to represent it alone (as it must for
    /// an item training never saw).
    public var idDropout = 0.0
    /// The most recent items it reads (nil: `data.max_history`); it may read further back than the LLM window.
    public var maximumHistory: Int?

    public init() {}

    /// Reads `model.collaborative.*`; absent keys keep their defaults.
    public init(from section: ConfigSection) throws {
        self.enabled = try section.bool("enabled", default: self.enabled)
        self.width = try section.int("width", default: self.width, min: 4, max: 4096)
        self.heads = try section.int("heads", default: self.heads, min: 1, max: 64)
        guard self.width % self.heads == 0 else {
            throw ConfigError.invalidValue(
                key: section.keyPath("heads"), value: "\(self.heads)", allowed: "a divisor of width (\(self.width))")
        }
        self.blocks = try section.int("blocks", default: self.blocks, min: 1, max: 16)
        self.dropout = try section.double("dropout", default: self.dropout, min: 0, max: 0.9)
        if section.contains("attention_dropout") {
            self.attentionDropout = try section.double("attention_dropout", min: 0, max: 0.9)
        }
        self.injectItems = try section.bool("inject_items", default: self.injectItems)
        self.injectUser = try section.bool("inject_user", default: self.injectUser)
        self.injectScores = try section.bool("inject_scores", default: self.injectScores)
        self.itemText = try section.bool("item_text", default: self.itemText)
        self.adaptedText = try section.bool("adapted_text", default: self.adaptedText)
        self.idDropout = try section.double("id_dropout", default: self.idDropout, min: 0, max: 0.9)
        if self.idDropout > 0 && !self.itemText {
            throw ConfigError.invalidValue(
                key: section.keyPath("id_dropout"), value: "\(self.idDropout)",
                allowed: "0 unless item_text is true (an item without its ID embedding is its projected text)")
        }
        if section.contains("max_history") {
            self.maximumHistory = try section.int("max_history", min: 2, max: 4096)
        }
    }
}

/// The backbone LLM (`backbone.*`).
public struct BackboneConfig: Sendable, Equatable {
    /// `default` (the model fetched by scripts/setup), a `.gguf` file or a Hugging Face model folder.
    public var model = "default"
    /// How many of the backbone's blocks to use (from the bottom); the pretrained head sits on top.
    public var layers = 8

    public init() {}

    /// Reads `backbone.*`; absent keys keep their defaults.
    public init(from section: ConfigSection) throws {
        self.model = try section.string("model", default: self.model)
        self.layers = try section.int("layers", default: self.layers, min: 1, max: 1024)
    }
}

/// The recommender's own switches (`model.*`); each mechanism can be turned off for ablations.
public struct ModelConfig: Sendable, Equatable {
    /// What `[SEQ]` tokens attend to.
    public var sequenceView = SequenceView.summaries
    /// Item tokens see only their own item (false: plain causal attention, the ablation).
    public var contextMasking = true
    /// The collaborative model.
    public var collaborative = CollaborativeConfig()
    /// The mixture-of-experts architecture per layer group.
    public var experts: ExpertPlan
    /// Hard negatives mined per item for the hard-sample task.
    public var hardNegatives = 8
    /// The frozen text vector of every item.
    public var textVector = TextVector.tokenMean
    /// Where W starts.
    public var itemProjectionInit = ItemProjectionInit.align
    /// Add the text-match term to the scores: each candidate's frozen text vector against the window's mean text
    /// vector plus a learnt map of the `[SEQ]` state, under a learnt gate that starts at 0.
    public var textMatch = false
    /// The items' vectors the text-match term reads.
    public var textMatchItems = TextMatchItemSource.frozen

    /// Reads `model.*`; `layerCount` is the backbone depth in use, which expert groups must fit in.
    public init(from section: ConfigSection, layerCount: Int) throws {
        self.sequenceView = try section.choice("seq_view", default: self.sequenceView)
        self.contextMasking = try section.bool("context_masking", default: self.contextMasking)
        self.collaborative = try CollaborativeConfig(from: section.section("collaborative"))
        self.hardNegatives = try section.int("hard_negatives", default: self.hardNegatives, min: 0, max: 1024)
        self.textVector = try section.choice("text_vector", default: self.textVector)
        self.itemProjectionInit = try section.choice("item_projection_init", default: self.itemProjectionInit)
        self.textMatch = try section.bool("text_match", default: self.textMatch)
        self.textMatchItems = try section.choice("text_match_items", default: self.textMatchItems)
        let experts = try section.section("experts")
        if experts.keys.isEmpty {
            self.experts = try Self.defaultExperts(layerCount: layerCount)
        } else {
            self.experts = try ExpertPlan(from: experts, layerCount: layerCount)
        }
    }

    /// The default plan: a LoRA + bottleneck mixture (4 experts, rank 8, top-2) on the top quarter of the layers.
    static func defaultExperts(layerCount: Int) throws -> ExpertPlan {
        let first = layerCount - max(1, layerCount / 4)
        let group = ExpertGroup(
            name: "top", layers: first...(layerCount - 1), kinds: [.lora, .bottleneck], experts: 4, rank: 8, topK: 2)
        return try ExpertPlan(groups: [group], layerCount: layerCount)
    }
}
