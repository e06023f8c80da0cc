import RecData

// What the trainer's step, epoch and evaluation callbacks receive, and what the epoch callback answers.

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
    /// Where the step's time went on this process.
    public var seconds: StepSeconds
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
    /// The median of each part of the epoch's steps on this process (nil in histories written before it existed).
    public var steps: StepSeconds?
}

/// Whether training goes on after an epoch.
public enum TrainingControl: Sendable {
    case proceed
    case stop
}
