/// The life cycle of a trial. Raw values are what the study database and `mixrec status --json` show.
public enum TrialState: String, Sendable, Codable, CaseIterable {
    /// Queued: new, or re-queued after its group failed (it resumes from its last checkpoint).
    case waiting = "WAITING"
    /// Assigned to a group that is training it.
    case running = "RUNNING"
    /// Finished every epoch and reported final metrics.
    case complete = "COMPLETE"
    /// Stopped early by the pruner; counts toward the budget.
    case pruned = "PRUNED"
    /// Gave up: a non-retryable failure, the retry cap, or an operator's cancel.
    case failed = "FAILED"

    /// True for the states a trial never leaves.
    public var isTerminal: Bool {
        switch self {
        case .waiting, .running: false
        case .complete, .pruned, .failed: true
        }
    }
}
