import Backbone
import ConfigKit
import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// A MixRec model over a tiny random backbone (3 blocks, width 32) and a tiny synthetic dataset, for exact tests.
enum TinyMixRec {
    /// The tiny backbone (built per use: models are not shared across concurrently running tests).
    static func backbone() -> LlamaModel {
        LlamaModel.random(
            configuration: LlamaConfiguration(
                vocabularySize: 64, width: 32, feedForwardWidth: 48, blockCount: 3, heads: 4, kvHeads: 2),
            seed: 11)
    }

    static let baseConfig = """
        seed: 3
        data: {format: synthetic, synthetic: {users: 24, items: 20, seed: 5}, max_history: 6, item_tokens: 5}
        backbone: {layers: 3}
        model:
          hard_negatives: 3
          collaborative: {width: 8, dropout: 0}
          experts:
            groups:
              top: {from: 1, to: 2, types: [lora, bottleneck, parallel, scaling], experts: 4, rank: 2, top_k: 2}
        train: {epochs: 2, batch_users: 8, lr: 0.01}
        eval: {batch_users: 16}
        """

    /// The base config with `--set` overrides.
    static func config(_ overrides: [String] = []) throws -> MixRecConfig {
        var document = try ConfigDocument(yaml: Self.baseConfig, source: "tiny")
        for assignment in overrides { try document.override(assignment) }
        return try MixRecConfig(document: document)
    }

    /// A byte tokenizer into the tiny vocabulary.
    static func tokenize(_ text: String) -> [Int] {
        text.utf8.map { Int($0) % 63 + 1 }
    }

    static func data(_ config: MixRecConfig) throws -> RecommendationData {
        try RecommendationData.load(
            config.data, hardNegatives: config.model.hardNegatives, seed: config.seed,
            coldItems: config.evaluation.coldItems, tokenize: Self.tokenize)
    }

    /// A single-process trainer of a fresh model on the base config with `--set` overrides.
    static func trainer(_ overrides: [String] = []) throws -> MixRecTrainer {
        let config = try Self.config(overrides)
        let data = try Self.data(config)
        return MixRecTrainer(model: Self.model(config, data: data), data: data)
    }

    /// A fresh model for `config` (text states computed on the tiny backbone).
    static func model(_ config: MixRecConfig, data: RecommendationData) -> MixRecModel {
        let first = MixRecModel.firstAdaptedLayer(config.model.experts, layerCount: 3)
        let backbone = Self.backbone()
        let text = TextStates.compute(backbone: backbone, itemTokens: data.itemTokens, fromLayer: first)
        let model = MixRecModel(config: config, backbone: backbone, text: text)
        model.unseenItems = UnseenItems(
            itemCount: data.itemCount, trainingSequences: data.split.trainingSequences,
            textVectors: model.itemTextVectors)
        return model
    }

    /// Checks the training loss's gradients of the parameters `names` (all of which must exist) against finite
    /// differences, on the batch of the first three trainable users (windows of 6 items, the collaborative model
    /// reading `collaborativeHistory`).
    static func checkLossGradients(
        _ model: MixRecModel, data: RecommendationData, names: [String], collaborativeHistory: Int = 6,
        elements: Int = 5, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let batch = TrainingBatch(
            users: Array(data.split.trainableUsers.prefix(3)), split: data.split, maximumHistory: 6,
            collaborativeHistory: collaborativeHistory, hardNegatives: data.hardNegatives, negativeCount: 3,
            shard: DataParallelShard(rank: 0, worldSize: 1))
        let picked = names.compactMap { model.parameters.byName[$0] }
        #expect(picked.count == names.count, "parameters \(names)", sourceLocation: sourceLocation)
        checkGradients(
            picked, elements: elements, step: 1e-2, absoluteTolerance: 5e-3, relativeTolerance: 5e-2,
            sourceLocation: sourceLocation
        ) { _ in
            var generator = RandomGenerator(seed: 2)
            return model.loss(batch, hardNegatives: data.hardNegatives, batchParts: 1, generator: &generator).total
        }
    }

    /// Moves every parameter off its initial value (experts start as the identity), so that every path matters.
    static func perturb(_ model: MixRecModel, seed: UInt64, scale: Float = 0.2) {
        for (index, parameter) in model.parameters.tensors.enumerated() {
            let noise = randomTensor(parameter.shape, seed: seed + UInt64(index), scale: scale, requiresGrad: false)
            parameter.withUnsafeMutableBufferPointer { values in
                noise.withUnsafeBufferPointer { delta in
                    for element in values.indices { values[element] += delta[element] }
                }
            }
        }
    }

    /// Trains `trainer` for one epoch and returns the checkpoint of that epoch, as `mixrec train` writes it (after
    /// training the model holds the best epoch's parameters, which may be the start's).
    static func checkpointAfterOneEpoch(_ trainer: MixRecTrainer) throws -> [UInt8] {
        var checkpoint: [UInt8] = []
        _ = try trainer.train(onEpoch: { _ in
            checkpoint = trainer.checkpoint()
            return .stop
        })
        return checkpoint
    }
}
