import Search

/// Everything a coordinator process needs besides its study store, proposer and pruner.
public struct CoordinatorSettings: Sendable {
    /// The ROUTER endpoint; loopback unless told otherwise.
    public var bindEndpoint = "tcp://127.0.0.1:5555"
    /// The study's name (stored in the study row and sent in Welcome).
    public var studyName = "study"
    /// The study configuration as ConfigKit canonical text (`path = value` lines); a restart with a different one
    /// is refused with a diff.
    public var studyConfigText = ""
    /// The study's seed (the optimizer's, and the base of every trial's: `scheduler.seeding`).
    public var seed: UInt64 {
        get { self.scheduler.seeding.base }
        set { self.scheduler.seeding.base = newValue }
    }
    /// Epochs every trial trains for (`scheduler.maxEpochs`; 1 until set).
    public var maxEpochs: Int {
        get { self.scheduler.maxEpochs ?? 1 }
        set { self.scheduler.maxEpochs = newValue }
    }
    /// What trials train (sent with every assignment).
    public var task = TrialTask.synthetic(.branin)
    /// How every group's ring carries gradient sums (`study.allreduce.wire`), sent with each assignment.
    public var allReduceWire = AllReduceWire.float32
    public var membership = MembershipSettings()
    public var scheduler: SchedulerSettings
    public var limits = WireLimits()
    /// CURVE on the ROUTER (nil: plain TCP). Run a `ZAPAuthenticator` in the same context to admit only
    /// allow-listed workers.
    public var curve: CurveServerSettings?
    /// The allow-list in force when it can be reloaded while the coordinator runs (the ZAP handler's
    /// ``ZAPAuthenticator/allowList``, which a SIGHUP replaces); it then overrides `curve.allowList`. After every
    /// replacement the coordinator refuses the messages of connections whose key is gone, ends their workers' runs
    /// as lost and, if a key was withdrawn, closes every connection (the others reconnect). Nil: `curve.allowList`
    /// holds for the whole run.
    public var liveAllowList: LiveAllowList?
    /// How often silence is checked and free groups are filled.
    public var tickInterval: Duration = .milliseconds(100)
    /// How often changed message counters are written to the study database.
    public var counterFlushInterval: Duration = .seconds(1)
    /// The shortest time between two heartbeat-driven writes of one worker's row (last seen, busy, status); the
    /// rows are written in the telemetry batch every `counterFlushInterval`, never once per heartbeat.
    public var workerRowInterval: Duration = .seconds(1)
    /// The shortest time between two log lines about closed connections (every one is counted in
    /// `connections{closed}`; the lines in between are left out and the next line says how many), so a reconnect
    /// storm cannot flood the log.
    public var closedConnectionLogInterval: Duration = .seconds(10)
    /// How a state transition the study store refused is retried (see `CoordinatorService+Outage.swift`).
    public var storeRetry = StoreRetrySettings()
    /// The most workers' messages held back while the study store refuses writes; reports beyond it are refused.
    public var deferredMessageLimit = 10_000
    /// The most bytes (mostly uploaded checkpoints) held back while the study store refuses writes.
    public var deferredByteLimit = 1 << 30
    /// The shortest time between the heartbeats a worker's step rate is measured over.
    public var throughputWindow: Duration = .seconds(2)
    /// Which configuration changes a restart may apply (a larger budget, timeouts, …); others are refused.
    public var isSafeChange: @Sendable (ConfigChange) -> Bool = { _ in false }
    /// Return from `run` once the study is finished (after telling workers to shut down).
    public var exitWhenFinished = true
    /// How assignments and cancels are re-sent until the worker acknowledges them (see
    /// `CoordinatorService+Acks.swift`).
    public var redelivery = RedeliverySettings()
    /// The name of the shared collaborative warm start a trial's fresh run needs (MixRec studies with
    /// `study.share_warm_start`, ``StudyConfig/warmStartNaming``); nil: the study shares none, and nothing about warm
    /// starts is sent or stored (see `CoordinatorService+WarmStarts.swift`).
    public var warmStartNaming: (@Sendable (Trial) -> String?)?
    /// Testing only: drops chosen outgoing messages (see ``MessageDropper``); nil, the default, sends everything.
    public var sendFilter: MessageDropper?

    /// What is wrong with these settings, nil when nothing is.
    public var problem: String? {
        if !self.storeRetry.isConsistent {
            return "store retry delays must be positive with the first no longer than the longest "
                + "(\(self.storeRetry.initialDelay), \(self.storeRetry.maximumDelay))"
        }
        if let problem = self.redelivery.problem { return "re-send settings: \(problem)" }
        if self.deferredMessageLimit < 1 || self.deferredByteLimit < 1 {
            return "the deferred message limits must be positive "
                + "(\(self.deferredMessageLimit) messages, \(self.deferredByteLimit) bytes)"
        }
        if self.workerRowInterval < .zero || self.counterFlushInterval <= .zero {
            return "the worker row interval must not be negative and the counter flush interval must be positive"
        }
        return nil
    }

    /// Settings for a study of `budget` trials on groups of `groupSize`.
    public init(budget: Int, groupSize: Int = 1) {
        self.scheduler = SchedulerSettings(budget: budget, groupSize: groupSize)
    }
}
