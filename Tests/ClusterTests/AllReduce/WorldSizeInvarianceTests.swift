import Backbone
import ConfigKit
import Foundation
import MixRec
import Synchronization
import Tensor
import Testing

@testable import Cluster

/// A MixRec trial's result does not depend on how many ranks train it (issue #22): the same trial on the synthetic
/// dataset, with dropout in the collaborative model, the alignment and hard-sample tasks and the experts' balance
/// term, trained by one process and by groups of 2 and 3 ranks over a TCP loopback ring (`train.batch_chunks: 6`).
@Suite struct WorldSizeInvarianceTests {
    static let config = """
        seed: 3
        train: {epochs: 3, batch_users: 12, lr: 0.01, patience: 5, batch_chunks: 6}
        losses: {balance: 0.05}
        eval: {batch_users: 16}
        data:
          format: synthetic
          synthetic: {users: 40, items: 24, seed: 5}
          max_history: 6
          item_tokens: 5
        model:
          experts:
            groups: {top: {from: 1, to: 2, types: [lora, bottleneck, parallel, scaling], experts: 4, rank: 2, top_k: 2}}
          collaborative: {width: 8, dropout: 0.2}
          hard_negatives: 3
        backbone: {layers: 3}
        """

    /// A trainer of the trial as `role` (a fresh model on a tiny random backbone, identical on every rank).
    static func trainer(role: DataParallelRole, reducer: GradientReducer?) throws -> MixRecTrainer {
        let config = try MixRecConfig(document: ConfigDocument(yaml: Self.config, source: "invariance"))
        let data = try RecommendationData.load(
            config.data, hardNegatives: config.model.hardNegatives, seed: config.seed,
            coldItems: config.evaluation.coldItems, tokenize: { $0.utf8.map { Int($0) % 63 + 1 } })
        let backbone = LlamaModel.random(
            configuration: LlamaConfiguration(
                vocabularySize: 64, width: 32, feedForwardWidth: 48, blockCount: 3, heads: 4, kvHeads: 2),
            seed: 11)
        let first = MixRecModel.firstAdaptedLayer(config.model.experts, layerCount: 3)
        let text = TextStates.compute(backbone: backbone, itemTokens: data.itemTokens, fromLayer: first)
        let model = MixRecModel(config: config, backbone: backbone, text: text)
        return MixRecTrainer(model: model, data: data, role: role, reducer: reducer)
    }

    /// Per epoch, the validation NDCG@10 of `trainer`'s run.
    static func train(_ trainer: MixRecTrainer) throws -> [Double] {
        var values: [Double] = []
        _ = try trainer.train(onEpoch: { summary in
            values.append(summary.validation["ndcg@10"] ?? -1)
            return .proceed
        })
        return values
    }

    /// Every parameter of `trainer`'s model by name.
    static func parameters(_ trainer: MixRecTrainer) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: trainer.model.parameters.entries.map { ($0.name, $0.tensor.scalars) })
    }

    /// Per epoch, the validation NDCG@10 of the trial trained by `worldSize` ranks, and rank 0's parameters.
    static func run(worldSize: Int) throws -> (ndcg: [Double], parameters: [String: [Float]]) {
        guard worldSize > 1 else {
            let trainer = try Self.trainer(role: .single, reducer: nil)
            return (try Self.train(trainer), Self.parameters(trainer))
        }
        let endpoints = (0..<worldSize).map { _ in "tcp://127.0.0.1:\(MixRecBinary.freePort())" }
        let results = try RingHarness.run(worldSize: worldSize, endpoints: endpoints) { rank, group in
            let trainer = try Self.trainer(
                role: DataParallelRole(rank: rank, worldSize: worldSize), reducer: GroupReducer(group: group))
            return RankOutcome(ndcg: try Self.train(trainer), parameters: Self.parameters(trainer))
        }
        let outcomes = try results.map { try $0.get() }
        for outcome in outcomes.dropFirst() {
            #expect(outcome.ndcg == outcomes[0].ndcg)
            #expect(outcome.parameters == outcomes[0].parameters, "the replicas differ")
        }
        return (outcomes[0].ndcg, outcomes[0].parameters)
    }

    @Test func aTrialOnOneTwoOrThreeRanksReachesTheSameValidationEveryEpoch() throws {
        let single = try Self.run(worldSize: 1)
        #expect(single.ndcg.count == 3)
        for worldSize in [2, 3] {
            let group = try Self.run(worldSize: worldSize)
            #expect(group.ndcg.count == single.ndcg.count)
            for (epoch, (value, expected)) in zip(group.ndcg, single.ndcg).enumerated() {
                #expect(
                    abs(value - expected) <= 1e-4, "\(worldSize) ranks, epoch \(epoch + 1): \(value) vs \(expected)")
            }
            // Stronger than the acceptance: the integer sum of the chunks' gradients makes every bit equal.
            #expect(group.parameters == single.parameters, "\(worldSize) ranks: the parameters differ")
        }
    }
}

/// One rank's result.
private struct RankOutcome: Sendable {
    let ndcg: [Double]
    let parameters: [String: [Float]]
}

/// The trainer's gradient reducer over an `AllReduceGroup` (float32 wire).
private final class GroupReducer: GradientReducer {
    let group: AllReduceGroup

    init(group: AllReduceGroup) {
        self.group = group
    }

    func allReduceSum(_ values: inout [Float]) throws {
        try self.group.sum(&values)
    }

    func allReduceSum(_ counts: inout [Int64]) throws {
        try self.group.sum(&counts)
    }
}
