import Cluster

/// The synthetic trials of `mixrec worker`: with a peer endpoint the worker can join data-parallel groups, so its
/// trials drive the real ring all-reduce (`RingSyntheticTrialRunner`); alone it only sleeps through epochs.
enum SyntheticWorkerRunner: TrialRunner {
    case alone(SyntheticTrialRunner)
    case ring(RingSyntheticTrialRunner)

    /// The runner: on the ring when `ring` links are given (each epoch then takes `epochSeconds` spread over its
    /// steps), else alone with `noise` on the reported values.
    init(noise: Double, epochSeconds: Double, ring: PeerLinks?) {
        guard let ring else {
            self = .alone(SyntheticTrialRunner(noise: noise, epochSeconds: epochSeconds))
            return
        }
        var runner = RingSyntheticTrialRunner(links: ring)
        runner.reportsScore = true
        runner.stepSeconds = epochSeconds / Double(runner.stepsPerEpoch)
        self = .ring(runner)
    }

    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        switch self {
        case .alone(let runner): try runner.run(job, context: context)
        case .ring(let runner): try runner.run(job, context: context)
        }
    }
}
