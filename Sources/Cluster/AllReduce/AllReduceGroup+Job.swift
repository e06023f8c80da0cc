import ZeroMQ

extension AllReduceGroup {
    /// The group of a trial run: this worker's rank among `job.peers`, with a run tag made of the trial and the
    /// attempt so that chunks left over from an earlier attempt on the same endpoints are refused.
    /// - Parameters:
    ///   - job: the assignment (rank, peers).
    ///   - settings: timeout (use the heartbeat timeout), chunking, CURVE; `runTag` is overwritten.
    ///   - bindEndpoint: where to bind instead of `job.peers[job.rank]` (the worker's `--peer-bind`).
    public convenience init(
        job: TrialJob, context: ZMQContext, settings: AllReduceSettings, bindEndpoint: String? = nil
    ) throws(AllReduceError) {
        var settings = settings
        settings.runTag = job.trial.rawValue << 16 ^ UInt64(truncatingIfNeeded: job.attempt)
        let endpoints = job.worldSize == 1 && job.peers.isEmpty ? ["inproc://mixrec-solo"] : job.peers
        try self.init(
            rank: job.rank, endpoints: endpoints, context: context, settings: settings, bindEndpoint: bindEndpoint)
    }
}
