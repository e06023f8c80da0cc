import Search

/// Why a group must stop training a trial.
public enum CancellationReason: String, Hashable, Sendable {
    /// The pruner stopped the trial.
    case pruned
    /// An operator cancelled it.
    case cancelled
    /// The group broke up or the run is stale; the trial continues elsewhere.
    case reassigned
}

/// One run of a trial to start on a group.
public struct AssignmentPlan: Hashable, Sendable {
    public var trial: TrialID
    public var attempt: Int
    public var group: GroupID
    /// The group's members in rank order; each gets a `TrialAssignment` with its rank.
    public var members: [WorkerID]
    public var params: Configuration
    /// The trial's seed (data order, initialisation, dropout).
    public var seed: UInt64
    /// Resume from the newest stored checkpoint at or before this epoch (nil: start from scratch). The shell
    /// verifies checksums and falls back to an earlier checkpoint if this one is corrupt.
    public var resumeEpoch: Int?
    /// The shared warm start the run ships or computes (nil: a resumed run, or a study that shares none).
    public var warmStart: WarmStartPlan? = nil
}

/// What the scheduler asks its shell to do.
public enum SchedulerDirective: Equatable, Sendable {
    /// Send the assignment to every member.
    case assign(AssignmentPlan)
    /// Tell `workers` to stop `trial`'s run `attempt`.
    case cancel(workers: [WorkerID], trial: TrialID, attempt: Int, reason: CancellationReason)
    /// The pruner stopped a trial after `epoch` (its workers are cancelled by a `.cancel` beside it).
    case trialPruned(TrialID, epoch: Int, reason: String)
    /// Store the checkpoint that came with the upload (its bytes are in the message, not here).
    case storeCheckpoint(TrialID, attempt: Int, epoch: Int)
    /// Persist this trial (state, attempt, metrics, workers changed).
    case trialChanged(Trial)
    /// A group was formed from idle workers.
    case groupFormed(WorkerGroup)
    /// A group broke up (a member was lost); its other members are idle again.
    case groupDissolved(GroupID, reason: String)
    /// Answer the worker with this error (a report for a run it does not own).
    case reject(WorkerID, WireError)
    /// The proposer threw; nothing new was started for the free groups.
    case proposerFailed(String)
    /// The budget is used up and nothing is waiting or running.
    case studyFinished
}
