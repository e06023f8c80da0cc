import Search

/// The coordinator's whole protocol logic: membership (failure detection) joined with the scheduler.
///
/// Membership events that matter to the schedule are forwarded (`.joined` → `workerAvailable`, `.lost` →
/// `workerLost`), an idle heartbeat makes its worker available again (members of a released group come back that
/// way), and after every event the busy flags the failure detector uses are synchronised with the schedule. A worker
/// the schedule has in a running trial's group that says idle for `busyDeadAfter` (its assignment was lost, or it
/// restarted its run loop) ends that run like a lost worker (``IdleWatch``, `workerIdle`) and takes work again.
/// Reports from workers that are not registered are rejected before the scheduler sees them. Ticks enforce the
/// trial deadline (`SchedulerSettings.trialDeadline`, clocked by a ``ProgressWatch``), and a cancel is sent to a
/// worker for the same run again only after a back-off (``CancelBackoff``), however often the worker reports it.
/// A report that repeats one already recorded (a worker re-sends results, checkpoints and failures until they are
/// acknowledged, see `TrialScheduler.isRepeat`) changes nothing.
/// Pure: time comes in as arguments, directives go out.
public struct CoordinatorCore: Sendable {
    public private(set) var membership: WorkerMembership
    public private(set) var scheduler: TrialScheduler
    private var progress: ProgressWatch
    private var cancels = CancelBackoff()
    private var idle: IdleWatch

    /// Joins a membership and a scheduler (fresh, or restored from the study store).
    public init(membership: WorkerMembership, scheduler: TrialScheduler) {
        self.membership = membership
        self.scheduler = scheduler
        self.progress = ProgressWatch(deadline: scheduler.settings.trialDeadline)
        self.idle = IdleWatch(grace: membership.settings.busyDeadAfter)
    }

    // MARK: - Events

    /// A worker's Hello.
    public mutating func onHello(_ info: WorkerInfo, now: ClusterTime) -> [CoordinatorDirective] {
        self.forward(self.membership.onHello(info, now: now), now: now)
    }

    /// A worker's heartbeat, with the run it says it is training and how far that run got (nil while idle).
    public mutating func onHeartbeat(
        from worker: WorkerID, incarnation: UInt64,
        runs: (trial: TrialID, attempt: Int, position: TrainingPosition)?, now: ClusterTime
    ) -> [CoordinatorDirective] {
        let heard = self.membership.onHeard(worker, incarnation: incarnation, now: now)
        if heard.contains(where: Self.isRejection) { return heard.map { .membership($0) } }
        let directives = self.forward(heard, now: now)
        guard let runs else {
            let lost = self.endRunIfLost(worker, now: now)
            self.makeAvailable(worker)
            return directives + lost
        }
        self.idle.busy(worker)
        self.noteProgress(runs.trial, attempt: runs.attempt, from: worker, at: runs.position, now: now)
        let stale = self.scheduler.reconcile(worker, runs: (runs.trial, runs.attempt))
        return directives + self.scheduled(stale, now: now)
    }

    /// A report from a worker about its run.
    public mutating func onReport(
        _ report: WorkerReport, from worker: WorkerID, now: ClusterTime, pruner: some TrialPruner
    ) -> [CoordinatorDirective] {
        let heard = self.membership.onHeard(worker, incarnation: nil, now: now)
        if heard.contains(where: Self.isRejection) { return heard.map { .membership($0) } }
        // A re-sent copy of a report already recorded: acknowledged again by the shell, changing nothing.
        if self.scheduler.isRepeat(report, from: worker) { return self.forward(heard, now: now) }
        let scheduled: [SchedulerDirective]
        switch report {
        case .progress(let trial, let attempt, let epoch, let metrics, let seconds):
            self.noteProgress(trial, attempt: attempt, from: worker, at: nil, now: now)
            scheduled = self.scheduler.onProgress(
                from: worker, trial: trial, attempt: attempt, epoch: epoch, metrics: metrics, seconds: seconds,
                pruner: pruner)
        case .checkpoint(let trial, let attempt, let epoch):
            self.noteProgress(trial, attempt: attempt, from: worker, at: nil, now: now)
            scheduled = self.scheduler.onCheckpoint(from: worker, trial: trial, attempt: attempt, epoch: epoch)
        case .result(let trial, let attempt, let metrics, let seconds):
            scheduled = self.scheduler.onResult(
                from: worker, trial: trial, attempt: attempt, metrics: metrics, seconds: seconds)
        case .failure(let trial, let attempt, let reason, let retryable):
            scheduled = self.scheduler.onFailure(
                from: worker, trial: trial, attempt: attempt, reason: reason, retryable: retryable)
        }
        let directives = self.forward(heard, now: now) + self.scheduled(scheduled, now: now)
        self.syncBusyFlags()
        return directives
    }

    /// The shell no longer accepts `worker` (its CURVE key was revoked): it is lost at once, its run ending as a
    /// lost worker's does (the trial re-queued from its newest checkpoint).
    public mutating func revoke(_ worker: WorkerID, reason: String, now: ClusterTime) -> [CoordinatorDirective] {
        self.forward(self.membership.remove(worker, reason: reason), now: now)
    }

    /// The periodic check of heartbeat silence and of the trial deadline.
    public mutating func onTick(now: ClusterTime) -> [CoordinatorDirective] {
        var directives = self.forward(self.membership.onTick(now: now), now: now)
        let stalled = self.progress.overdue(self.scheduler.runningAttempts, now: now)
        if let deadline = self.progress.deadline, !stalled.isEmpty {
            let reason = "no progress for \(Self.seconds(deadline)) s (heartbeat.trial_deadline)"
            for trial in stalled {
                directives += self.scheduled(self.scheduler.onStalled(trial, reason: reason), now: now)
            }
            self.syncBusyFlags()
        }
        return directives
    }

    /// An operator's hand-picked configuration, to run with `seeds` seeds.
    public mutating func enqueue(_ params: Configuration, seeds: Int = 1) -> [CoordinatorDirective] {
        self.scheduler.enqueue(params, seeds: seeds).map { .scheduler($0) }
    }

    /// An operator's cancel.
    public mutating func cancel(_ trial: TrialID, reason: String, now: ClusterTime) -> [CoordinatorDirective] {
        let directives = self.scheduled(self.scheduler.cancel(trial, reason: reason), now: now)
        self.syncBusyFlags()
        return directives
    }

    /// Starts work on free groups, holding back trials whose shared warm start (`naming`) a run is computing; call
    /// after every batch of events.
    public mutating func fill(
        proposer: inout some TrialProposer, naming: some WarmStartNaming = NoSharedWarmStarts()
    ) -> [CoordinatorDirective] {
        let directives = self.scheduler.fill(proposer: &proposer, naming: naming).map {
            CoordinatorDirective.scheduler($0)
        }
        self.syncBusyFlags()
        return directives
    }

    // MARK: - Shared warm starts (see ``WarmStartLedger``)

    /// The warm starts the coordinator holds when it starts.
    public mutating func warmStartsHeld(_ names: Set<String>) { self.scheduler.warmStartsHeld(names) }

    /// Whether an uploaded warm start is worth storing (the coordinator does not hold it yet).
    public func wantsWarmStart(_ name: String) -> Bool { self.scheduler.wantsWarmStart(name) }

    /// The coordinator stored an uploaded warm start; the next `fill` may start the trials that waited for it.
    public mutating func onWarmStartStored(_ name: String) { self.scheduler.onWarmStartStored(name) }

    /// The coordinator's copy of a warm start was damaged (and deleted): `run` computes it instead.
    public mutating func onWarmStartMissing(_ name: String, computedBy run: RunID) {
        self.scheduler.onWarmStartMissing(name, computedBy: run)
    }

    // MARK: - Joining the two machines

    private mutating func forward(_ directives: [MembershipDirective], now: ClusterTime) -> [CoordinatorDirective] {
        var out: [CoordinatorDirective] = []
        for directive in directives {
            out.append(.membership(directive))
            switch directive {
            case .joined(let worker):
                self.makeAvailable(worker)
            case .lost(let worker, _, let reason):
                out += self.scheduled(self.scheduler.workerLost(worker, reason: reason), now: now)
            case .welcome, .suspected, .recovered, .reject:
                break
            }
        }
        self.syncBusyFlags()
        return out
    }

    /// The scheduler's directives without the cancels already sent within their back-off.
    private mutating func scheduled(_ directives: [SchedulerDirective], now: ClusterTime) -> [CoordinatorDirective] {
        self.cancels.filter(directives, now: now).map { .scheduler($0) }
    }

    /// Ends the run the schedule has `worker` in once it has heartbeated idle for the grace (see ``IdleWatch``).
    private mutating func endRunIfLost(_ worker: WorkerID, now: ClusterTime) -> [CoordinatorDirective] {
        let run = self.scheduler.run(of: worker)
        guard self.idle.isLost(worker, during: run, now: now), let run else { return [] }
        let directives = self.scheduled(self.scheduler.workerIdle(worker, during: run), now: now)
        self.syncBusyFlags()
        return directives
    }

    /// Restarts the deadline clock of `trial`'s run `attempt` if `worker` is its rank 0 (see ``ProgressWatch``).
    private mutating func noteProgress(
        _ trial: TrialID, attempt: Int, from worker: WorkerID, at position: TrainingPosition?, now: ClusterTime
    ) {
        guard case .success = self.scheduler.currentRun(trial, attempt: attempt, from: worker, rankZeroOnly: true)
        else { return }
        self.progress.observe(trial, attempt: attempt, at: position, now: now)
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

    /// Whole seconds, or seconds with a fraction if there is one.
    private static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
    }

    private static func isRejection(_ directive: MembershipDirective) -> Bool {
        if case .reject = directive { return true }
        return false
    }
}
