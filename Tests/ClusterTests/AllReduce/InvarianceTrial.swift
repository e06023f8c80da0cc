import Backbone
import ConfigKit
import MixRec
import Tensor
import Testing

@testable import Cluster

/// The MixRec trial of the world-size invariance tests (issue #22): the synthetic dataset, a tiny random backbone,
/// dropout in the collaborative model, the alignment and hard-sample tasks and the experts' balance term, with
/// `train.batch_chunks: 6`, trained by one process or by a ring of ranks.
enum InvarianceTrial {
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

    /// Per epoch, the validation NDCG@10 of a run, and its final parameters by name.
    struct Outcome: Sendable {
        let ndcg: [Double]
        let parameters: [String: [Float]]
    }

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

    /// Trains `trainer` and returns its outcome.
    static func outcome(of trainer: MixRecTrainer) throws -> Outcome {
        var values: [Double] = []
        _ = try trainer.train(onEpoch: { summary in
            values.append(summary.validation["ndcg@10"] ?? -1)
            return .proceed
        })
        let parameters = trainer.model.parameters.entries.map { ($0.name, $0.tensor.scalars) }
        return Outcome(ndcg: values, parameters: Dictionary(uniqueKeysWithValues: parameters))
    }

    /// The trial trained by one process.
    static func single() throws -> Outcome {
        try Self.outcome(of: Self.trainer(role: .single, reducer: nil))
    }

    /// The trial trained by a ring of one rank per endpoint (rank r entering `hosts[r]` first, if given); expects
    /// every replica to end the same and returns rank 0's outcome.
    static func group(endpoints: [String], hosts: [SimulatedHost]? = nil) throws -> Outcome {
        let worldSize = endpoints.count
        let results = try RingHarness.run(worldSize: worldSize, endpoints: endpoints, hosts: hosts) { rank, group in
            let role = DataParallelRole(rank: rank, worldSize: worldSize)
            return try Self.outcome(of: Self.trainer(role: role, reducer: GroupReducer(group: group)))
        }
        let outcomes = try results.map { try $0.get() }
        for outcome in outcomes.dropFirst() {
            #expect(outcome.ndcg == outcomes[0].ndcg)
            #expect(outcome.parameters == outcomes[0].parameters, "the replicas differ")
        }
        return outcomes[0]
    }

    /// Expects `group` (`label` says which) to match `single`: the same validation NDCG@10 within 1e-4 every epoch
    /// and, stronger than the acceptance, bit-identical parameters (the integer sum of the chunks' gradients).
    static func expect(_ group: Outcome, matches single: Outcome, _ label: String) {
        #expect(group.ndcg.count == single.ndcg.count)
        for (epoch, (value, expected)) in zip(group.ndcg, single.ndcg).enumerated() {
            #expect(abs(value - expected) <= 1e-4, "\(label), epoch \(epoch + 1): \(value) vs \(expected)")
        }
        #expect(group.parameters == single.parameters, "\(label): the parameters differ")
    }
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
