import Search

/// One run of a trial as a worker trains it.
public struct TrialJob: Sendable, Equatable {
    public var trial: TrialID
    public var attempt: Int
    public var group: GroupID
    /// This worker's rank; rank 0 reports progress, checkpoints and the result.
    public var rank: Int
    public var worldSize: Int
    /// Peer endpoints by rank (for all-reduce).
    public var peers: [String]
    /// What the study's trials train.
    public var task: TrialTask
    /// The trial's searched (or hand-picked) values.
    public var configuration: Configuration
    public var maxEpochs: Int
    public var seed: UInt64
    /// Parameters to start from (nil: from scratch).
    public var resume: ResumePoint?
    /// The study's shared collaborative warm start this run needs (nil: the study shares none, or the run resumes).
    public var warmStart: SharedWarmStart? = nil
    /// How the group's ring carries gradient sums (the study's `study.allreduce.wire`); the same on every rank.
    public var wire = AllReduceWire.float32
    /// How long a rank waits for a silent group peer: the worker's `WorkerSettings.peerTimeout`, else the
    /// coordinator's busy-worker timeout from its Welcome (nil: neither, the ring's own `AllReduceSettings.timeout`).
    public var peerTimeout: Duration? = nil

    public init(
        trial: TrialID, attempt: Int, group: GroupID, rank: Int, worldSize: Int, peers: [String], task: TrialTask,
        configuration: Configuration, maxEpochs: Int, seed: UInt64, resume: ResumePoint? = nil,
        warmStart: SharedWarmStart? = nil, wire: AllReduceWire = .float32, peerTimeout: Duration? = nil
    ) {
        self.trial = trial
        self.attempt = attempt
        self.group = group
        self.rank = rank
        self.worldSize = worldSize
        self.peers = peers
        self.task = task
        self.configuration = configuration
        self.maxEpochs = maxEpochs
        self.seed = seed
        self.resume = resume
        self.warmStart = warmStart
        self.wire = wire
        self.peerTimeout = peerTimeout
    }
}

/// A checkpoint to continue a trial from.
public struct ResumePoint: Sendable, Equatable {
    /// Epochs the parameters already cover.
    public var epoch: Int
    /// The trainable parameters as uploaded (raw little-endian Float32).
    public var parameters: [UInt8]

    public init(epoch: Int, parameters: [UInt8]) {
        self.epoch = epoch
        self.parameters = parameters
    }
}

/// A run's shared collaborative warm start, by its study-level name.
public struct SharedWarmStart: Sendable, Equatable {
    /// The name the coordinator gives it (the same for every trial whose fresh run computes the same warm start).
    public var name: String
    /// The warm-start file the coordinator sent (its CRC-32C checked on receipt); nil: the coordinator does not
    /// hold it yet, so the run computes it and rank 0 uploads it.
    public var file: [UInt8]?

    public init(name: String, file: [UInt8]?) {
        self.name = name
        self.file = file
    }
}
