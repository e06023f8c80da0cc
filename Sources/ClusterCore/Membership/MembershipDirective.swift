/// What the membership state machine asks its shell (and the scheduler) to do.
public enum MembershipDirective: Equatable, Sendable {
    /// Answer the Hello with a Welcome for this incarnation.
    case welcome(WorkerInfo)
    /// A worker can take work now (first registration, re-registration after death, or a restart).
    case joined(WorkerID)
    /// A worker is overdue; nothing is taken from it yet.
    case suspected(WorkerID)
    /// A suspected worker was heard again.
    case recovered(WorkerID)
    /// A worker's incarnation is gone: declared dead after `silence`, or replaced by a newer incarnation.
    /// Everything it was doing must be given to others.
    case lost(WorkerID, incarnation: UInt64, reason: String)
    /// Answer the sender with an error (unknown or dead sender: `.notRegistered`; stale incarnation:
    /// `.unexpected`).
    case reject(WorkerID, WireError)
}
