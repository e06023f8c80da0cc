/// How the coordinator's scheduler forms groups, counts the budget and retries.
public struct SchedulerSettings: Sendable, Equatable {
    /// Workers per group (the data-parallel world size of every trial).
    public var groupSize: Int = 1
    /// Trials to finish; COMPLETE and PRUNED trials count, FAILED ones too unless `failedTrialsCountTowardBudget`
    /// is off (then a failed configuration is replaced by a new proposal).
    public var budget: Int
    /// Failed runs (dead worker, retryable failure) after which a trial is FAILED instead of re-queued.
    public var maxFailedAttempts: Int = 3
    /// Whether FAILED trials use up the budget. On by default, so a search whose proposals keep failing ends.
    public var failedTrialsCountTowardBudget: Bool = true
    /// The metric the pruner and the optimizer look at, e.g. `"valid/ndcg@10"`.
    public var objectiveMetric: String = "valid/ndcg@10"
    /// Whether larger objective values are better (ranks the configurations that get replicates).
    public var maximizesObjective = true
    /// Trial seeds and replicates of the best configurations.
    public var seeding = TrialSeeding()
    /// Epochs every trial trains for, when known. A report of the last one is never pruned: the trial has trained
    /// them all, and stopping it would only skip its test evaluation. Progress and checkpoints of later epochs are
    /// rejected. nil: any epoch may be pruned or reported.
    public var maxEpochs: Int?
    /// Whether trials are pruned at rungs inside their training (`pruner.fidelity: steps`, reported as
    /// ``RungMetrics``) instead of at epochs. Off by default.
    public var prunesAtRungs = false
    /// How long rank 0 of a running trial may go without progress (heartbeats at a later step, or a progress or
    /// checkpoint report) before its run is cancelled and counted as failed (`heartbeat.trial_deadline`); nil: never.
    public var trialDeadline: Duration? = Self.defaultTrialDeadline
    /// An hour: longer than the longest stretch without optimizer steps of the shipped configs (a fresh MixRec run's
    /// collaborative warm start, `train.cf_pretrain`, takes up to about 33 minutes for ml-1m on a quiet machine).
    public static let defaultTrialDeadline: Duration = .seconds(3600)

    /// Settings with `budget` trials and the other defaults.
    public init(budget: Int, groupSize: Int = 1) {
        self.budget = budget
        self.groupSize = groupSize
    }

    /// True when every count and the trial deadline are positive (the budget may be 0).
    public var isValid: Bool {
        self.groupSize >= 1 && self.budget >= 0 && self.maxFailedAttempts >= 1 && !self.objectiveMetric.isEmpty
            && self.seeding.isValid && (self.maxEpochs ?? 1) >= 1 && (self.trialDeadline ?? .seconds(1)) > .zero
    }
}
