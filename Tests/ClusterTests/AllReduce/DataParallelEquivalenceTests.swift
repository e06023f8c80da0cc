import Foundation
import MixRec
import RecData
import Tensor
import Testing

@testable import Cluster

/// Trains MixRec's `CollaborativeModel` on the synthetic dataset for a number of steps, on one rank's share
/// of each global batch, averaging gradients over the group.
struct DataParallelTrainer {
    static let maximumLength = 6
    static let steps = 20
    static let globalBatch = 8

    let split: LeaveOneOutSplit
    let itemCount: Int

    init() {
        var config = SyntheticDatasetConfig()
        config.userCount = 48
        config.itemCount = 30
        config.clusterCount = 3
        config.historyLengths = 4...9
        let dataset = SyntheticDataset.sequential(config)
        self.split = LeaveOneOutSplit(dataset)
        self.itemCount = dataset.itemCount
    }

    /// A small model, identical for identical generators (no dropout, so runs are deterministic).
    func makeModel(generator: inout RandomGenerator) -> CollaborativeModel {
        var configuration = CollaborativeConfig()
        configuration.width = 8
        configuration.blocks = 1
        configuration.heads = 1
        configuration.dropout = 0
        return CollaborativeModel(
            configuration: configuration, itemCount: self.itemCount, maximumLength: Self.maximumLength,
            generator: &generator)
    }

    /// The flat parameters after training; `group` nil trains alone on the whole batch with a mean loss.
    func train(group: AllReduceGroup?) throws -> [String: [Float]] {
        let model = try self.trainedModel(group: group)
        return Dictionary(uniqueKeysWithValues: model.parameters.entries.map { ($0.name, $0.tensor.scalars) })
    }

    /// The model after `steps` steps (see `train`).
    func trainedModel(group: AllReduceGroup?, steps: Int = Self.steps) throws -> CollaborativeModel {
        var generator = RandomGenerator(seed: 7)
        let model = self.makeModel(generator: &generator)
        let parameters = model.parameters.tensors
        let optimizer = AdamW(parameters: parameters, configuration: AdamW.Configuration(learningRate: 1e-3))
        let averager = group.map { DataParallelGradients(group: $0, parameters: parameters) }
        let users = self.split.trainableUsers
        for step in 0..<steps {
            let batch = (0..<Self.globalBatch).map { users[(step * Self.globalBatch + $0) % users.count] }
            let mine = group.map { Array(DataParallelShard(rank: $0.rank, worldSize: $0.worldSize).part(of: batch)) }
            let windows = (mine ?? batch).map { self.split.trainingWindow(user: $0, maxLength: Self.maximumLength) }
            let states = model.states(windows.map { $0.inputs.map { Int($0) } }, training: false, generator: &generator)
            let positions = windows.reduce(0) { $0 + $1.targets.count }
            let loss = model.nextItemLoss(states: states, targets: windows.map { $0.targets.map { Int($0) } })
            (averager == nil ? loss.scaled(by: 1 / Float(positions)) : loss).backward()
            try averager?.averageSummedGradients(localCount: positions)
            optimizer.update()
            optimizer.zeroGradients()
            if step % 5 == 4 { try averager?.verifyReplicas(step: step) }
        }
        return model
    }

    /// The model's validation metrics over every user: NDCG@10 of the held-out item ranked among all items (the
    /// input history left out), and the mean next-item cross-entropy of the held-out item (continuous, so it shows
    /// differences too small to move a rank among 48 users).
    func validation(_ model: CollaborativeModel) -> (ndcg: Double, loss: Double) {
        let users = (0..<self.split.userCount).map { Int32($0) }
        let cases = self.split.evaluationCases(users: users, stage: .validation)
        let histories = cases.map { $0.input(maxLength: Self.maximumLength).map { Int($0) } }
        var generator = RandomGenerator(seed: 1)
        let states = model.states(histories, training: false, generator: &generator)
        let last = states.last(histories.map { _ in 1 })
        let scores = states.scores(last).scalars
        let loss = model.nextItemLoss(states: states, targets: cases.map { [Int($0.target)] }).item
        var ranker = TargetRanker(itemCount: self.itemCount)
        var metrics = RankingMetrics()
        for (index, evaluation) in cases.enumerated() {
            let row = scores[(index * self.itemCount)..<((index + 1) * self.itemCount)]
            row.withUnsafeBufferPointer {
                metrics.add(rank: ranker.rank(row: $0, target: evaluation.target, history: evaluation.history))
            }
        }
        return (metrics.ndcg(at: 10), Double(loss) / Double(cases.count))
    }
}

@Suite("Data-parallel training")
struct DataParallelEquivalenceTests {
    @Test("2 workers × batch b/2 reach the parameters of 1 worker × batch b after 20 steps")
    func equivalence() throws {
        let trainer = DataParallelTrainer()
        let alone = try trainer.train(group: nil)
        let results = try RingHarness.run(worldSize: 2) { _, group in try trainer.train(group: group) }
        let replicas = try results.map { try $0.get() }
        #expect(replicas[0] == replicas[1], "replicas are bit-identical")
        for (name, values) in alone {
            let difference = zip(values, replicas[0][name] ?? []).map { abs($0 - $1) }.max() ?? .infinity
            if name.hasSuffix("key.bias") {
                // The key bias adds q·b to every logit of a softmax row, so its gradient is exactly zero in exact
                // arithmetic and only Float noise (~1e-10) in practice; Adam divides by √v ≈ |noise|, so it moves
                // by up to ±lr per step in a direction set by noise, differently for any summation order (also
                // between two single-process runs with another thread count). Bounded by lr · steps.
                #expect(difference <= 2e-3 * Float(DataParallelTrainer.steps), "\(name): \(difference)")
            } else {
                // Only the summation order of loss and gradients differs: Float rounding, observed ≤ 6e-8.
                #expect(difference <= 1e-5, "\(name): max |Δparameter| = \(difference)")
            }
        }
        // The parameters moved far more than the tolerance, so the comparison is meaningful.
        var generator = RandomGenerator(seed: 7)
        let untrained = trainer.makeModel(generator: &generator).parameters.byName
        let moved =
            alone.map { name, values in
                zip(untrained[name]?.scalars ?? [], values).map { abs($0 - $1) }.max() ?? 0
            }.max() ?? 0
        #expect(moved > 1e-3)
    }
}
