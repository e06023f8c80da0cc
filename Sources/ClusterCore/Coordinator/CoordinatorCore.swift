import Search

/// The coordinator's whole protocol logic: membership (failure detection) joined with the scheduler.
///
/// Membership events that matter to the schedule are forwarded (`.joined` → `workerAvailable`, `.lost` →
/// `workerLost`), an idle heartbeat makes its worker available again (members of a released group come back that
/// way), and after every event the busy flags the failure detector uses are synchronised with the schedule.
/// Reports from workers that are not registered are rejected before the scheduler sees them.
/// Pure: time comes in as arguments, directives go out.
public struct CoordinatorCore: Sendable {
    public private(set) var membership: WorkerMembership
    public private(set) var scheduler: TrialScheduler

    /// Joins a membership and a scheduler (fresh, or restored from the study store).
    public init(membership: WorkerMembership, scheduler: TrialScheduler) {
        self.membership = membership
        self.scheduler = scheduler
    }

    // MARK: - Events

    /// A worker's Hello.
    public mutating func onHello(_ info: WorkerInfo, now: ClusterTime) -> [CoordinatorDirective] {
        self.forward(self.membership.onHello(info, now: now))
    }

    /// A worker's heartbeat, with the run it says it is training (nil while idle).
    public mutating func onHeartbeat(
        from worker: WorkerID, incarnation: UInt64, runs: (trial: TrialID, attempt: Int)?, now: ClusterTime
    ) -> [CoordinatorDirective] {
        let heard = self.membership.onHeard(worker, incarnation: incarnation, now: now)
        if heard.contains(where: Self.isRejection) { return heard.map { .membership($0) } }
        let directives = self.forward(heard)
        guard runs != nil else {
            self.makeAvailable(worker)
            return directives
        }
        return directives + self.scheduler.reconcile(worker, runs: runs).map { .scheduler($0) }
    }

    /// A report from a worker about its run.
    public mutating func onReport(
        _ report: WorkerReport, from worker: WorkerID, now: ClusterTime, pruner: some TrialPruner
    ) -> [CoordinatorDirective] {
        let heard = self.membership.onHeard(worker, incarnation: nil, now: now)
        if heard.contains(where: Self.isRejection) { return heard.map { .membership($0) } }
        let scheduled: [SchedulerDirective]
        switch report {
        case .progress(let trial, let attempt, let epoch, let metrics, let seconds):
            scheduled = self.scheduler.onProgress(
                from: worker, trial: trial, attempt: attempt, epoch: epoch, metrics: metrics, seconds: seconds,
                pruner: pruner)
        case .checkpoint(let trial, let attempt, let epoch):
            scheduled = self.scheduler.onCheckpoint(from: worker, trial: trial, attempt: attempt, epoch: epoch)
        case .result(let trial, let attempt, let metrics, let seconds):
            scheduled = self.scheduler.onResult(
                from: worker, trial: trial, attempt: attempt, metrics: metrics, seconds: seconds)
        case .failure(let trial, let attempt, let reason, let retryable):
            scheduled = self.scheduler.onFailure(
                from: worker, trial: trial, attempt: attempt, reason: reason, retryable: retryable)
        }
        let directives = self.forward(heard) + scheduled.map { .scheduler($0) }
        self.syncBusyFlags()
        return directives
    }

    /// The periodic check of heartbeat silence.
    public mutating func onTick(now: ClusterTime) -> [CoordinatorDirective] {
        self.forward(self.membership.onTick(now: now))
    }

    /// An operator's hand-picked configuration, to run with `seeds` seeds.
    public mutating func enqueue(_ params: Configuration, seeds: Int = 1) -> [CoordinatorDirective] {
        self.scheduler.enqueue(params, seeds: seeds).map { .scheduler($0) }
    }

    /// An operator's cancel.
    public mutating func cancel(_ trial: TrialID, reason: String) -> [CoordinatorDirective] {
        let directives = self.scheduler.cancel(trial, reason: reason).map { CoordinatorDirective.scheduler($0) }
        self.syncBusyFlags()
        return directives
    }

    /// Starts work on free groups; call after every batch of events.
    public mutating func fill(proposer: inout some TrialProposer) -> [CoordinatorDirective] {
        let directives = self.scheduler.fill(proposer: &proposer).map { CoordinatorDirective.scheduler($0) }
        self.syncBusyFlags()
        return directives
    }

    // MARK: - Joining the two machines

    private mutating func forward(_ directives: [MembershipDirective]) -> [CoordinatorDirective] {
        var out: [CoordinatorDirective] = []
        for directive in directives {
            out.append(.membership(directive))
            switch directive {
            case .joined(let worker):
                self.makeAvailable(worker)
            case .lost(let worker, _, let reason):
                out += self.scheduler.workerLost(worker, reason: reason).map { .scheduler($0) }
            case .welcome, .suspected, .recovered, .reject:
                break
            }
        }
        self.syncBusyFlags()
        return out
    }

    /// Whether `worker` can be a member of the study's groups: any registered worker for groups of one, only one
    /// that announced a peer endpoint for larger groups (its peers must reach its all-reduce socket).
    public func canJoinGroups(_ worker: WorkerID) -> Bool {
        guard let record = self.membership.members[worker] else { return false }
        return self.scheduler.settings.groupSize == 1 || !record.info.peerEndpoint.isEmpty
    }

    private mutating func makeAvailable(_ worker: WorkerID) {
        if self.canJoinGroups(worker) { self.scheduler.workerAvailable(worker) }
    }

    private mutating func syncBusyFlags() {
        for worker in self.membership.liveWorkers {
            self.membership.setBusy(worker, self.scheduler.isBusy(worker))
        }
    }

    private static func isRejection(_ directive: MembershipDirective) -> Bool {
        if case .reject = directive { return true }
        return false
    }
}
