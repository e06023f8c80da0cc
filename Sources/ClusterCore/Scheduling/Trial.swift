import Search

/// Where a trial's configuration came from.
public enum TrialOrigin: String, Sendable, Codable {
    /// Added by an operator (`mixrec enqueue`); runs before any proposal.
    case enqueued = "ENQUEUED"
    /// Proposed by the optimizer.
    case proposed = "PROPOSED"
    /// Another seed of a configuration that already ran (`study.seeds`, `mixrec enqueue --seeds`); not one of the
    /// budget's trials, and the optimizer neither proposes nor observes it.
    case replicate = "REPLICATE"
}

/// Everything the scheduler knows about one trial; the study store persists it as it is.
public struct Trial: Hashable, Sendable {
    public let id: TrialID
    public var params: Configuration
    public var origin: TrialOrigin
    /// The seed of its data order, initialisation and dropout (sent as the assignment's seed).
    public var seed: UInt64
    public var state: TrialState
    /// Runs started so far (0 until first assigned); every run has its own attempt number on the wire.
    public var attempt: Int
    /// Runs that ended in a failure; at `maxFailedAttempts` the trial is FAILED.
    public var failedAttempts: Int
    /// The group of the current run (nil unless RUNNING).
    public var group: GroupID?
    /// The workers of the current or last run, in rank order.
    public var workers: [WorkerID]
    /// Intermediate validation metrics by completed epoch (1-based).
    public var intermediate: [Int: Metrics]
    /// The newest epoch whose checkpoint was stored; a re-queued trial resumes from it.
    public var checkpointEpoch: Int?
    /// Final metrics (COMPLETE), or the last intermediate ones (PRUNED).
    public var finalMetrics: Metrics?
    /// One line per failed run, oldest first.
    public var failureReasons: [String]
    /// Wall time reported by the last progress or result.
    public var seconds: Double

    /// A new WAITING trial.
    public init(id: TrialID, params: Configuration, origin: TrialOrigin, seed: UInt64 = 0) {
        self.id = id
        self.params = params
        self.origin = origin
        self.seed = seed
        self.state = .waiting
        self.attempt = 0
        self.failedAttempts = 0
        self.group = nil
        self.workers = []
        self.intermediate = [:]
        self.checkpointEpoch = nil
        self.finalMetrics = nil
        self.failureReasons = []
        self.seconds = 0
    }

    /// The objective's value at every epoch that reported it.
    public func curve(of metric: String) -> [Int: Double] {
        self.intermediate.compactMapValues { $0[metric] }
    }
}

/// Workers that train trials together, in rank order (rank 0 first).
public struct WorkerGroup: Hashable, Sendable {
    public let id: GroupID
    public let members: [WorkerID]
    /// The trial it runs, nil while free.
    public var trial: TrialID?
}
