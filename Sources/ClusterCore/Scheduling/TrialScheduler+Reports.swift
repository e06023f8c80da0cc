import ClusterProto
import Search

// MARK: - Reports from running groups

extension TrialScheduler {
    /// Rank 0 finished epoch `epoch`, or reached a rung inside it (``RungMetrics``): records the metrics (beside
    /// the epoch's others) and asks `pruner` whether to stop the trial.
    public mutating func onProgress(
        from worker: WorkerID, trial id: TrialID, attempt: Int, epoch: Int, metrics: Metrics, seconds: Double,
        pruner: some TrialPruner
    ) -> [SchedulerDirective] {
        let run: (trial: Trial, group: WorkerGroup)
        switch self.currentRun(id, attempt: attempt, from: worker, rankZeroOnly: true) {
        case .success(let found): run = found
        case .failure(let rejection): return rejection.directives
        }
        if let rejection = self.pastLastEpoch(epoch, trial: id, from: worker) { return rejection.directives }
        var trial = run.trial
        trial.intermediate[epoch, default: [:]].merge(metrics) { $1 }
        trial.seconds = seconds
        self.trials[id] = trial
        // Replicates measure the spread over seeds: the pruner neither stops nor compares them.
        guard trial.origin != .replicate, let (step, values) = self.pruningPoint(epoch: epoch, metrics: metrics),
            values[self.settings.objectiveMetric] != nil
        else {
            return [.trialChanged(trial)]
        }
        let decision = pruner.decide(trial: id, epoch: step, progress: self.progress())
        guard decision.shouldPrune else { return [.trialChanged(trial)] }
        trial.state = .pruned
        trial.finalMetrics = values
        trial.group = nil
        self.trials[id] = trial
        return [
            .cancel(workers: run.group.members, trial: id, attempt: attempt, reason: .pruned),
            .trialPruned(id, epoch: epoch, reason: decision.reason), .trialChanged(trial),
        ] + self.free(run.group, reason: "trial \(id) pruned")
    }

    /// The pruner's step for a report, with the metrics it judges; nil when the report is no place to prune. With
    /// `prunesAtRungs` only rung reports are (the step is the rung's number); otherwise only epoch reports before
    /// the last epoch: a trial at its last epoch has trained everything, and pruning it would only skip its test
    /// evaluation.
    private func pruningPoint(epoch: Int, metrics: Metrics) -> (step: Int, values: Metrics)? {
        let rungs = RungMetrics.rungs(in: metrics)
        guard self.settings.prunesAtRungs else {
            return rungs.isEmpty && epoch < self.settings.maxEpochs ?? .max ? (epoch, metrics) : nil
        }
        return rungs.last.map { ($0, RungMetrics.metrics(ofRung: $0, in: metrics)) }
    }

    /// Every budget trial's objective curve in id order (by rung with `prunesAtRungs`, else by epoch), as the pruner
    /// reads them; COMPLETE and PRUNED ones are finished.
    func progress() -> [TrialProgress] {
        self.trials.values.filter { $0.origin != .replicate }.sorted { $0.id < $1.id }.compactMap { trial in
            let metric = self.settings.objectiveMetric
            let curve = self.settings.prunesAtRungs ? trial.rungCurve(of: metric) : trial.curve(of: metric)
            guard !curve.isEmpty else { return nil }
            return TrialProgress(
                id: Int(clamping: trial.id.rawValue), values: curve,
                isFinished: trial.state == .complete || trial.state == .pruned)
        }
    }

    /// Rank 0 uploaded the parameters after `epoch` epochs; a later re-queue resumes from them. An upload re-sent
    /// after its run's result completed the trial (the first copy was lost) is stored too if it is newer than the
    /// stored one: an export reads a complete trial's newest checkpoint.
    public mutating func onCheckpoint(
        from worker: WorkerID, trial id: TrialID, attempt: Int, epoch: Int
    ) -> [SchedulerDirective] {
        if let rejection = self.pastLastEpoch(epoch, trial: id, from: worker) { return rejection.directives }
        if var trial = self.trials[id], trial.state == .complete, trial.attempt == attempt,
            trial.workers.first == worker, epoch > trial.checkpointEpoch ?? 0
        {
            trial.checkpointEpoch = epoch
            self.trials[id] = trial
            return [.storeCheckpoint(id, attempt: attempt, epoch: epoch), .trialChanged(trial)]
        }
        guard case .success(var run) = self.currentRun(id, attempt: attempt, from: worker, rankZeroOnly: true) else {
            return self.rejection(id, attempt: attempt, from: worker).directives
        }
        run.trial.checkpointEpoch = max(run.trial.checkpointEpoch ?? 0, epoch)
        self.trials[id] = run.trial
        return [.storeCheckpoint(id, attempt: attempt, epoch: epoch), .trialChanged(run.trial)]
    }

    /// Rank 0 reported final metrics: the trial is COMPLETE and its group free.
    public mutating func onResult(
        from worker: WorkerID, trial id: TrialID, attempt: Int, metrics: Metrics, seconds: Double
    ) -> [SchedulerDirective] {
        guard case .success(var run) = self.currentRun(id, attempt: attempt, from: worker, rankZeroOnly: true) else {
            return self.rejection(id, attempt: attempt, from: worker).directives
        }
        run.trial.state = .complete
        run.trial.finalMetrics = metrics
        run.trial.seconds = seconds
        run.trial.group = nil
        self.trials[id] = run.trial
        self.groups[run.group.id]?.trial = nil
        return [.trialChanged(run.trial)]
    }

    /// A member says the run cannot go on. Retryable failures re-queue the trial (up to the cap); others fail it.
    public mutating func onFailure(
        from worker: WorkerID, trial id: TrialID, attempt: Int, reason: String, retryable: Bool
    ) -> [SchedulerDirective] {
        guard case .success(let run) = self.currentRun(id, attempt: attempt, from: worker, rankZeroOnly: false) else {
            return self.rejection(id, attempt: attempt, from: worker).directives
        }
        var directives: [SchedulerDirective] = []
        let others = run.group.members.filter { $0 != worker }
        if !others.isEmpty {
            directives.append(.cancel(workers: others, trial: id, attempt: attempt, reason: .reassigned))
        }
        let why = "\(worker) failed: \(reason)"
        directives += self.free(run.group, reason: why)
        if retryable {
            directives.append(self.endRunWithFailure(id, reason: why))
        } else {
            var trial = run.trial
            trial.failedAttempts += 1
            trial.failureReasons.append("attempt \(attempt): \(why) (not retryable)")
            trial.state = .failed
            trial.group = nil
            self.trials[id] = trial
            directives.append(.trialChanged(trial))
        }
        return directives
    }

    // MARK: - Checking the sender

    /// A report that does not belong to a current run: answer with an error and cancel the sender's stale run.
    struct Rejection: Error {
        let directives: [SchedulerDirective]
    }

    /// The running trial `id` in run `attempt` with `worker` in its group (at rank 0 if `rankZeroOnly`).
    func currentRun(
        _ id: TrialID, attempt: Int, from worker: WorkerID, rankZeroOnly: Bool
    ) -> Result<(trial: Trial, group: WorkerGroup), Rejection> {
        guard let trial = self.trials[id], trial.state == .running, trial.attempt == attempt,
            let groupID = trial.group, let group = self.groups[groupID], group.members.contains(worker)
        else {
            return .failure(self.rejection(id, attempt: attempt, from: worker))
        }
        guard !rankZeroOnly || group.members.first == worker else {
            let error = WireError(.unexpected, "only rank 0 of group \(groupID) reports for trial \(id)")
            return .failure(Rejection(directives: [.reject(worker, error)]))
        }
        return .success((trial, group))
    }

    /// A progress or checkpoint epoch past the trial's last (`maxEpochs`) is answered with `.outOfRange` and
    /// dropped: a checkpoint stored from it would resume as an assignment every worker rejects.
    private func pastLastEpoch(_ epoch: Int, trial id: TrialID, from worker: WorkerID) -> Rejection? {
        guard let last = self.settings.maxEpochs, epoch > last else { return nil }
        let error = WireError(.outOfRange, "epoch \(epoch) of trial \(id) is past its max_epochs \(last)")
        return Rejection(directives: [.reject(worker, error)])
    }

    func rejection(_ id: TrialID, attempt: Int, from worker: WorkerID) -> Rejection {
        let error = WireError(.unexpected, "trial \(id) attempt \(attempt) is not running on \(worker)")
        return Rejection(directives: [
            .reject(worker, error), .cancel(workers: [worker], trial: id, attempt: attempt, reason: .reassigned),
        ])
    }
}
