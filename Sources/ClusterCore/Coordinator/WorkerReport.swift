/// A report about a trial run, from a registered worker.
public enum WorkerReport: Equatable, Sendable {
    case progress(trial: TrialID, attempt: Int, epoch: Int, metrics: Metrics, seconds: Double)
    case checkpoint(trial: TrialID, attempt: Int, epoch: Int)
    case result(trial: TrialID, attempt: Int, metrics: Metrics, seconds: Double)
    case failure(trial: TrialID, attempt: Int, reason: String, retryable: Bool)
}

/// What the coordinator's shell must carry out, in order.
public enum CoordinatorDirective: Equatable, Sendable {
    case membership(MembershipDirective)
    case scheduler(SchedulerDirective)
}
