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

/// Progress after one optimiser step.
public struct StepReport: Sendable {
    /// The 0-based epoch.
    public var epoch: Int
    /// Steps done in this epoch and the epoch's step count.
    public var batch: Int
    public var batchCount: Int
    /// Steps done since the start of training.
    public var step: Int
    /// This step's loss parts (`link`, `align`, `hard`, `cf`, `balance`) of this process's share.
    public var losses: [String: Double]
    /// Users of this process in the step.
    public var users: Int
}

/// How far an evaluation pass over validation or test users has come (this process's share of the users).
public struct EvaluationProgress: Sendable, Equatable {
    /// The cases being ranked.
    public var stage: EvaluationStage
    /// Users ranked so far and this process's users in the pass.
    public var done: Int
    public var total: Int
}

/// What happened in one epoch.
public struct EpochSummary: Sendable, Codable, Equatable {
    /// The 1-based epoch.
    public var epoch: Int
    /// Validation metrics (`hr@10`, `ndcg@10`, …) of the whole group.
    public var validation: [String: Double]
    /// Mean weighted training loss of this process over the epoch's steps.
    public var loss: Double
    /// Mean of each loss part.
    public var losses: [String: Double]
    /// Wall-clock seconds of the epoch, validation included.
    public var seconds: Double
}

/// Whether training goes on after an epoch.
public enum TrainingControl: Sendable {
    case proceed
    case stop
}

/// The outcome of a training run.
public struct TrainingResult: Sendable, Codable, Equatable {
    /// Validation metrics of the best epoch.
    public var validation: [String: Double]
    /// Test metrics of the best epoch's parameters (history excluded unless `eval.exclude_history` is false).
    public var test: [String: Double]
    /// Test metrics under the other history protocol (RecBole's when the main one excludes the history).
    public var testOtherProtocol: [String: Double]
    /// Epochs trained.
    public var epochs: Int
    /// The best epoch (1-based).
    public var bestEpoch: Int
    /// Wall-clock seconds of training and evaluation.
    public var seconds: Double
    /// Where the ranking comes from: the collaborative model alone, the LLM side alone, per popularity and cold
    /// targets.
    public var accounting: RunAccounting?
}

/// Why training stopped without a result.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The caller cancelled the run.
    case cancelled
    /// A checkpoint does not belong to this model or is damaged.
    case badCheckpoint(String)
    /// The loss became NaN or infinite.
    case diverged(epoch: Int, step: Int)
    /// The group's reducer failed.
    case reduction(String)

    public var description: String {
        switch self {
        case .cancelled: "training was cancelled"
        case .badCheckpoint(let reason): "checkpoint not usable: \(reason)"
        case .diverged(let epoch, let step):
            "the loss became NaN or infinite in epoch \(epoch + 1), step \(step); lower train.lr or train.clip_norm"
        case .reduction(let reason): "gradient all-reduce failed: \(reason)"
        }
    }
}
