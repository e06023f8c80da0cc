import Cluster

/// The synthetic trials of `mixrec worker`: a run on a group of two or more drives the real ring all-reduce
/// (`RingSyntheticTrialRunner`, which needs the worker's peer links); a run on its own only sleeps through epochs.
struct SyntheticWorkerRunner: TrialRunner {
    let alone: SyntheticTrialRunner
    let ring: RingSyntheticTrialRunner?

    /// The runner: `noise` on the values reported by runs on their own, epochs of `epochSeconds` (spread over the
    /// steps of a ring run), and ring runs on `ring` links when the worker has them.
    init(noise: Double, epochSeconds: Double, ring: PeerLinks?) {
        self.alone = SyntheticTrialRunner(noise: noise, epochSeconds: epochSeconds)
        self.ring = ring.map { links in
            var runner = RingSyntheticTrialRunner(links: links)
            runner.reportsScore = true
            runner.stepSeconds = epochSeconds / Double(runner.stepsPerEpoch)
            return runner
        }
    }

    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard job.worldSize > 1 else { return try self.alone.run(job, context: context) }
        guard let ring = self.ring else {
            throw TrialRunError("a group of \(job.worldSize) needs --peer-endpoint", retryable: false)
        }
        return try ring.run(job, context: context)
    }
}
