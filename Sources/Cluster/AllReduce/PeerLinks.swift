import ZeroMQ

/// How a worker joins the all-reduce groups of its trials: the context its ring sockets live in, the ring
/// settings (timeout, chunking, CURVE) and where it binds. Trial runners hold one and open a group per run.
public struct PeerLinks: Sendable {
    /// The worker's ZeroMQ context (with the ring's ZAP handler when CURVE is on).
    public var context: ZMQContext
    /// Ring settings. A job's `peerTimeout` (the coordinator's busy-worker timeout, which the worker learns when
    /// it registers) replaces `timeout`, so that a rank whose peer died gives up (and goes back to idle) no later
    /// than the coordinator declares the peer dead; `timeout` applies only to jobs without one. A job's `wire`
    /// (the study's, the same for every member) replaces `wire`.
    public var settings: AllReduceSettings
    /// Where to bind the ring socket instead of the advertised endpoint (`tcp://*:6000` behind NAT); nil binds
    /// the advertised one.
    public var bindEndpoint: String?

    public init(context: ZMQContext, settings: AllReduceSettings = AllReduceSettings(), bindEndpoint: String? = nil) {
        self.context = context
        self.settings = settings
        self.bindEndpoint = bindEndpoint
    }

    /// Opens this worker's links for `job` (a group of one opens none), waiting `job.peerTimeout` for silent peers
    /// when it is set, carrying Float sums in the job's wire format, and giving up waiting once `run` is cancelled.
    /// - Throws: `AllReduceError` when the group is invalid or the endpoint cannot be bound.
    public func group(for job: TrialJob, run: TrialRunContext? = nil) throws(AllReduceError) -> AllReduceGroup {
        var settings = self.settings
        settings.timeout = job.peerTimeout ?? settings.timeout
        settings.wire = job.wire
        let group = try AllReduceGroup(
            job: job, context: self.context, settings: settings, bindEndpoint: self.bindEndpoint)
        if let run { group.isCancelled = { run.isCancelled } }
        return group
    }
}
