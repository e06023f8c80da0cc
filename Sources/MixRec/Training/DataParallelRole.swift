import RecData

/// This process's place in a data-parallel group.
public struct DataParallelRole: Sendable, Equatable {
    /// This process's rank in `0..<worldSize`.
    public var rank: Int
    /// The number of processes training the trial.
    public var worldSize: Int

    public init(rank: Int, worldSize: Int) {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rank \(rank) of \(worldSize)")
        self.rank = rank
        self.worldSize = worldSize
    }

    /// A single process.
    public static let single = DataParallelRole(rank: 0, worldSize: 1)

    var shard: DataParallelShard { DataParallelShard(rank: self.rank, worldSize: self.worldSize) }
}

/// Sums numbers across a data-parallel group (a ring all-reduce in the cluster runtime).
public protocol GradientReducer: AnyObject {
    /// Replaces `values` by their element-wise sum over every process of the group (each calls it with equally
    /// many values, in the same order). Gradients: the sum may be rounded (a bfloat16 wire), equally on every rank.
    func allReduceSum(_ values: inout [Float]) throws

    /// `allReduceSum` of counts (evaluation histograms), which must stay exact whatever the gradients' wire format.
    func allReduceSum(_ counts: inout [Int64]) throws
}
