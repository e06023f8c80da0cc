import Backbone
import Foundation
import Tensor

/// MixRec: a frozen causal LLM reading item text, adapted by task tokens, expert mixtures, an item projection and a
/// jointly trained collaborative model (see docs/model.md).
///
/// Item text only passes through the frozen backbone, so its keys and values at the adapted layers are computed
/// once per run (``TextStates``). A step runs two small passes through the adapted layers only: the *item tower*
/// (each distinct item's `[CF]` and `[ALIGN]` tokens against its cached text) and the *sequence tower* (each
/// user's `[SEQ]` tokens against the item spans before them). `D` is the backbone width, `I` the item count.
public final class MixRecModel {
    /// The config the model was built from.
    public let config: MixRecConfig
    /// The frozen backbone (the blocks in use).
    public let backbone: LlamaModel
    /// The blocks from ``firstAdaptedLayer`` up: where task tokens enter and experts act.
    let adaptedBlocks: LlamaModel
    /// The layer where task tokens enter the residual stream: the lowest layer with experts (the top layer when the
    /// plan has none).
    public let firstAdaptedLayer: Int
    /// Every item's frozen text keys and values at the adapted layers.
    public let text: TextStates
    /// The number of items.
    public let itemCount: Int
    /// Every trainable parameter.
    public private(set) var parameters = ParameterRegistry()

    let cfToken: Tensor
    let alignToken: Tensor
    let sequenceToken: Tensor
    let collaborative: CollaborativeModel?
    let cfItemInput: Linear?
    let cfItemOutput: Linear?
    let cfUser: Linear?
    /// `[I, D]`: the item projection W.
    let itemProjection: Tensor
    /// `[I]`.
    let itemBias: Tensor
    /// `[1]`: the scale of `⟨ĥ, W_i⟩`.
    let scoreScale: Tensor
    /// `[1]`, starting at 0: the weight of the LLM side's link scores beside the collaborative model's, with
    /// `model.collaborative.inject_scores` (nil without it).
    let linkGate: Tensor?
    /// The text-match term of the scores (`model.text_match`; nil without it).
    let textMatch: TextMatch?
    /// `[D]` ones: the gain of the parameter-free RMS normalisation of states before scoring.
    let unitGain: Tensor
    /// `[D]`, constant: the mean normalised `[ALIGN]` state of all items at initialisation, removed from states
    /// before scoring (the part every item shares).
    let scoreCentre: Tensor
    let experts: ExpertHooks
    /// `[I, D]`, constant: every item's frozen text vector (`model.text_vector`), centred over the items and of unit
    /// length: the collaborative model's text features with `item_text`, and the cold-item text baseline's.
    public private(set) var itemTextVectors: Tensor
    /// `[I, D]`, constant: every item's adapted text vector when last refreshed (`adapted_text`; starts as its
    /// initial `[ALIGN]` vector, W's initialisation, which it equals while every expert is the identity).
    var adaptedTextCache: Tensor
    /// `[I, D]`, constant: every item's adapted text vector at initialisation, from which
    /// `model.text_match_items: adapted` measures what the experts changed.
    private(set) var adaptedTextOrigin: Tensor
    /// `[I, D]`, constant: the text-match term's item vectors when ``adaptedTextCache`` was last refreshed.
    var textMatchTable: Tensor
    /// The text terms added to ranking scores after training (``ScoreCalibration``; none until fitted or loaded).
    public var calibration = ScoreCalibration.none
    /// The same text terms fitted for the collaborative scores alone, for the `calibrated_collaborative` baseline
    /// (nil: not fitted; not saved with the model).
    public var collaborativeCalibration: ScoreCalibration?
    /// The items no training sequence holds, which ``calibration`` may score by their text (nil: none).
    public internal(set) var unseenItems: UnseenItems?

    /// Builds a model with every expert at the identity and W initialised from the frozen `[ALIGN]` states.
    /// - Parameters:
    ///   - config: the run's config (model, losses and data keys are read).
    ///   - backbone: the frozen backbone with `config.backbone.layers` blocks.
    ///   - text: the items' text states at the adapted layers (``TextStates/compute(backbone:itemTokens:fromLayer:)``).
    public init(config: MixRecConfig, backbone: LlamaModel, text: TextStates) {
        let layerCount = backbone.configuration.blockCount
        let first = Self.firstAdaptedLayer(config.model.experts, layerCount: layerCount)
        precondition(text.table.layers == first..<layerCount, "text states cover \(text.table.layers)")
        self.config = config
        self.backbone = backbone
        self.adaptedBlocks = backbone.topBlocks(layerCount - first)
        self.firstAdaptedLayer = first
        self.text = text
        self.itemCount = text.table.lengths.count
        let width = backbone.configuration.width
        var generator = RandomGenerator(seed: config.seed)
        var registry = ParameterRegistry()
        func token(_ name: String) -> Tensor {
            let tensor = Tensor(text.meanState, shape: [width])
            tensor.requiresGrad = true
            registry.register("tokens.\(name)", tensor)
            return tensor
        }
        self.cfToken = token("cf")
        self.alignToken = token("align")
        self.sequenceToken = token("seq")
        let collaborativeConfig = config.model.collaborative
        if collaborativeConfig.enabled {
            let model = CollaborativeModel(
                configuration: collaborativeConfig, itemCount: self.itemCount,
                maximumLength: config.collaborativeHistory, textWidth: width, generator: &generator)
            registry.register(model.parameters, prefix: "collaborative")
            self.collaborative = model
            if collaborativeConfig.injectItems {
                let input = Linear(input: collaborativeConfig.width, output: width, generator: &generator)
                let output = Linear(input: width, output: width, generator: &generator, zero: true)
                input.register(in: &registry, prefix: "cf_item.input")
                output.register(in: &registry, prefix: "cf_item.output")
                (self.cfItemInput, self.cfItemOutput) = (input, output)
            } else {
                (self.cfItemInput, self.cfItemOutput) = (nil, nil)
            }
            if collaborativeConfig.injectUser {
                let user = Linear(input: collaborativeConfig.width, output: width, generator: &generator, zero: true)
                user.register(in: &registry, prefix: "cf_user")
                self.cfUser = user
            } else {
                self.cfUser = nil
            }
        } else {
            (self.collaborative, self.cfItemInput, self.cfItemOutput, self.cfUser) = (nil, nil, nil, nil)
        }
        var mixtures: [Int: [ExpertSite: ExpertMixture]] = [:]
        for layer in first..<layerCount {
            guard let group = config.model.experts.group(forLayer: layer) else { continue }
            for site in ExpertSite.allCases {
                let mixture = ExpertMixture(
                    group: group, site: site, width: width, queryWidth: backbone.configuration.queryWidth,
                    valueWidth: backbone.configuration.keyWidth, generator: &generator)
                registry.register(mixture.parameters, prefix: "experts.layer\(layer).\(site.rawValue)")
                mixtures[layer, default: [:]][site] = mixture
            }
        }
        self.experts = ExpertHooks(mixtures: mixtures, backbone: backbone)
        self.itemProjection = Tensor.zeros([self.itemCount, width], requiresGrad: true)
        self.itemBias = Tensor.zeros([self.itemCount], requiresGrad: true)
        self.scoreScale = Tensor([Self.initialScoreScale], shape: [1])
        self.unitGain = Tensor.ones([width])
        self.scoreCentre = Tensor.zeros([width])
        self.adaptedTextCache = Tensor.zeros([self.itemCount, width])
        (self.adaptedTextOrigin, self.textMatchTable) = (self.adaptedTextCache, self.adaptedTextCache)
        self.scoreScale.requiresGrad = true
        registry.register("item_projection", self.itemProjection)
        registry.register("item_bias", self.itemBias)
        registry.register("score_scale", self.scoreScale)
        if self.collaborative != nil && config.model.collaborative.injectScores {
            let gate = Tensor.zeros([1], requiresGrad: true)
            registry.register("link_gate", gate)
            self.linkGate = gate
        } else {
            self.linkGate = nil
        }
        if config.model.textMatch {
            let textMatch = TextMatch(width: width)
            textMatch.register(in: &registry, prefix: "text_match")
            self.textMatch = textMatch
        } else {
            self.textMatch = nil
        }
        self.itemTextVectors = self.adaptedTextCache
        self.parameters = registry
        self.initialiseItemProjection()
        self.adaptedTextCache = self.itemProjection.detached()
        self.adaptedTextOrigin = self.adaptedTextCache
        switch config.model.textVector {
        case .tokenMean: self.itemTextVectors = text.table.meanStates.centredUnitRows()
        case .align: self.itemTextVectors = self.adaptedTextCache
        }
        self.textMatchTable = self.itemTextVectors
        if config.model.collaborative.itemText { self.collaborative?.useTextFeatures(self.itemTextVectors) }
    }

    /// The initial scale of the cosine scores: the logit an item's own initial `[ALIGN]` state gives it.
    static let initialScoreScale: Float = 8

    /// The layer where task tokens enter for `plan` over `layerCount` blocks.
    public static func firstAdaptedLayer(_ plan: ExpertPlan, layerCount: Int) -> Int {
        min(plan.firstAdaptedLayer ?? (layerCount - 1), layerCount - 1)
    }

    /// W starts as each item's frozen `[ALIGN]` state (or, with `model.item_projection_init: text_vector` and
    /// `model.text_vector: token_mean`, the mean of its text token states), normalised, centred over the items (their
    /// common part says nothing about which item is next) and scaled to unit norm (experts are the identity now):
    /// ``textVectors(align:)`` with the items' mean normalised state as the centre.
    private func initialiseItemProjection() {
        withoutGradients {
            let fromTokens =
                self.config.model.itemProjectionInit == .textVector && self.config.model.textVector == .tokenMean
            let states = fromTokens ? self.text.table.meanStates : self.encodeAllItems().align
            self.scoreCentre.copyValues(
                from: Tensor.rmsNorm(states, weight: self.unitGain, epsilon: 1e-6).mean(axis: 0))
            self.itemProjection.copyValues(from: self.textVectors(align: states))
        }
        self.experts.reset()
    }

    /// Sets the item bias to the centred log frequency of each item as a training target (a popularity prior
    /// that the link task would otherwise spend its first epochs learning).
    public func initialiseItemBias(trainingSequences: [ArraySlice<Int32>]) {
        var counts = [Double](repeating: 1, count: self.itemCount)
        for sequence in trainingSequences { for item in sequence.dropFirst() { counts[Int(item)] += 1 } }
        let logs = counts.map { Foundation.log($0) }
        let mean = logs.reduce(0, +) / Double(max(logs.count, 1))
        self.itemBias.withUnsafeMutableBufferPointer { bias in
            for index in bias.indices { bias[index] = Float(logs[index] - mean) }
        }
    }
}
