// MARK: - Workers joining, leaving and disagreeing

extension TrialScheduler {
    /// A registered worker can take work (it joins a group at the next `fill`): it registered, or it heartbeats
    /// idle (how members of a released group come back). Nothing happens while it is in a group.
    public mutating func workerAvailable(_ worker: WorkerID) {
        let grouped = self.groups.values.contains { $0.members.contains(worker) }
        if !grouped && !self.idleWorkers.contains(worker) {
            self.idleWorkers.append(worker)
        }
    }

    /// A worker died or restarted: its group breaks up (the others take work again once they heartbeat idle, see
    /// `release`), and the group's trial is re-queued from its newest checkpoint (or FAILED at the retry cap).
    public mutating func workerLost(_ worker: WorkerID, reason: String) -> [SchedulerDirective] {
        self.idleWorkers.removeAll { $0 == worker }
        guard let group = self.groups.values.first(where: { $0.members.contains(worker) }) else { return [] }
        return self.breakUp(group, without: worker, reason: "worker \(worker) lost: \(reason)")
    }

    /// A member of `run`'s group keeps saying it is idle (see ``CoordinatorCore``): its assignment was lost or it
    /// restarted its run loop. The run ends as if the worker were lost, but the worker stays: it is out of any group,
    /// so `workerAvailable` takes it back. Nothing happens unless `run` is the current run of `worker`'s group.
    public mutating func workerIdle(_ worker: WorkerID, during run: RunID) -> [SchedulerDirective] {
        let current = self.currentRun(run.trial, attempt: run.attempt, from: worker, rankZeroOnly: false)
        guard case .success(let found) = current else { return [] }
        let reason = "worker \(worker) reported idle while running trial \(run.trial) attempt \(run.attempt)"
        return self.breakUp(found.group, without: worker, reason: reason)
    }

    /// Rank 0 of a running trial made no progress for too long (a hung training thread, whose heartbeats go on):
    /// every member is cancelled, the group released (a rank whose thread hangs must not get the next trial; the
    /// members take work again once they heartbeat idle) and the trial re-queued from its newest checkpoint, or FAILED
    /// at the retry cap.
    public mutating func onStalled(_ id: TrialID, reason: String) -> [SchedulerDirective] {
        guard let trial = self.trials[id], trial.state == .running, let groupID = trial.group,
            let group = self.groups[groupID]
        else { return [] }
        return [.cancel(workers: group.members, trial: id, attempt: trial.attempt, reason: .reassigned)]
            + self.release(groupID, reason: reason) + [self.endRunWithFailure(id, reason: reason)]
    }

    /// Compares the run a worker says it trains (from its busy heartbeat) with the schedule; a run the schedule does
    /// not know (left over from before a restart or a re-queue) is cancelled. (Idle heartbeats: `workerIdle`.)
    public func reconcile(_ worker: WorkerID, runs reported: (trial: TrialID, attempt: Int)) -> [SchedulerDirective] {
        if let trial = self.trials[reported.trial], trial.state == .running, trial.attempt == reported.attempt,
            trial.workers.contains(worker)
        {
            return []
        }
        return [.cancel(workers: [worker], trial: reported.trial, attempt: reported.attempt, reason: .reassigned)]
    }

    // MARK: - Helpers

    /// Releases the group `worker` left and re-queues its trial, if any, from its newest checkpoint (or FAILED at the
    /// retry cap); the other members are cancelled.
    private mutating func breakUp(_ group: WorkerGroup, without worker: WorkerID, reason: String)
        -> [SchedulerDirective]
    {
        var directives = self.release(group.id, reason: reason)
        if let id = group.trial, let trial = self.trials[id] {
            let others = group.members.filter { $0 != worker }
            if !others.isEmpty {
                directives.append(.cancel(workers: others, trial: id, attempt: trial.attempt, reason: .reassigned))
            }
            directives.append(self.endRunWithFailure(id, reason: reason))
        }
        return directives
    }

    /// Removes a group whose run ended early (a member lost or failed, the trial pruned or cancelled). Its members
    /// do not go back to the idle pool: a rank may still be blocked in an all-reduce with a dead or stopped peer
    /// (until its peer timeout or the cancel), and a new group's chunks must not reach its old ring socket. Each
    /// member takes work again when it heartbeats idle (`workerAvailable`).
    mutating func release(_ id: GroupID, reason: String) -> [SchedulerDirective] {
        guard self.groups.removeValue(forKey: id) != nil else { return [] }
        return [.groupDissolved(id, reason: reason)]
    }

    /// Frees the group of a run that ended early: a group of one keeps its worker for the next trial (no ring
    /// links can outlive its run), a larger one is released.
    mutating func free(_ group: WorkerGroup, reason: String) -> [SchedulerDirective] {
        guard group.members.count > 1 else {
            self.groups[group.id]?.trial = nil
            return []
        }
        return self.release(group.id, reason: reason)
    }

    /// Ends the current run of a RUNNING trial after a failure: back to the front of the queue, or FAILED once
    /// `maxFailedAttempts` runs failed.
    mutating func endRunWithFailure(_ id: TrialID, reason: String) -> SchedulerDirective {
        guard var trial = self.trials[id] else { preconditionFailure("unknown trial \(id)") }
        trial.failedAttempts += 1
        trial.failureReasons.append("attempt \(trial.attempt): \(reason)")
        trial.group = nil
        if trial.failedAttempts >= self.settings.maxFailedAttempts {
            trial.state = .failed
        } else {
            trial.state = .waiting
            self.waitingQueue.insert(id, at: 0)
        }
        self.trials[id] = trial
        return .trialChanged(trial)
    }
}
