import Cluster
import Foundation
import MixRec
import RecData
import Tensor

/// Training throughput of MixRec's collaborative model: one rank on one core against a data-parallel group of
/// two ranks (threads of this process, one BLAS thread each, ring all-reduce over tcp loopback).
enum ClusterTrainingBench {
    static let width = 64
    static let maximumLength = 50
    static let batch = 64

    /// Users trained per second of wall clock and per CPU-second (all threads) by a group of `worldSize` ranks
    /// (global batch `batch`, `steps` steps after one warm-up step).
    static func usersPerSecond(worldSize: Int, steps: Int) throws -> (wall: Double, cpu: Double) {
        BLASRuntime.setThreads(1)
        var data = SyntheticDatasetConfig()
        data.userCount = 2000
        data.itemCount = 1000
        data.historyLengths = 20...60
        let dataset = SyntheticDataset.sequential(data)
        let split = LeaveOneOutSplit(dataset)
        let timing = try ClusterRanks.time(worldSize: worldSize) { rank, endpoints, context, start in
            let group = try AllReduceGroup(rank: rank, endpoints: endpoints, context: context)
            try Self.train(split: split, itemCount: dataset.itemCount, group: group, steps: steps, start: start)
        }
        return (Double(steps * Self.batch) / timing.seconds, Double(steps * Self.batch) / timing.cpuSeconds)
    }

    /// `steps` data-parallel steps of this rank after one warm-up step, which ends with `start()`.
    private static func train(
        split: LeaveOneOutSplit, itemCount: Int, group: AllReduceGroup, steps: Int, start: () -> Void
    ) throws {
        var configuration = CollaborativeConfig()
        configuration.width = Self.width
        configuration.dropout = 0
        var generator = RandomGenerator(seed: 1)
        let model = CollaborativeModel(
            configuration: configuration, itemCount: itemCount, maximumLength: Self.maximumLength,
            generator: &generator)
        let optimizer = AdamW(parameters: model.parameters.tensors)
        let gradients = DataParallelGradients(group: group, parameters: model.parameters.tensors)
        let shard = DataParallelShard(rank: group.rank, worldSize: group.worldSize)
        let users = split.trainableUsers
        for step in 0...steps {
            if step == 1 { start() }
            let global = (0..<Self.batch).map { users[(step * Self.batch + $0) % users.count] }
            let windows = shard.part(of: global).map { split.trainingWindow(user: $0, maxLength: Self.maximumLength) }
            let states = model.states(windows.map { $0.inputs.map(Int.init) }, training: true, generator: &generator)
            model.nextItemLoss(states: states, targets: windows.map { $0.targets.map(Int.init) }).backward()
            try gradients.averageSummedGradients(localCount: windows.reduce(0) { $0 + $1.targets.count })
            optimizer.update()
            optimizer.zeroGradients()
        }
    }
}
