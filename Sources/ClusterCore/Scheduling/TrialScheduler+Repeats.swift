// MARK: - Reports sent again

extension TrialScheduler {
    /// Whether `report` repeats one the schedule has already recorded for its run: a worker re-sends a result,
    /// checkpoint or failure until the coordinator acknowledges it, so a copy arrives again when an `Ack` was lost.
    /// A repeat changes nothing (no state, no event) and is only acknowledged again. Judged from the trials alone, so a
    /// coordinator restored from its store recognises repeats of what it stored before it stopped:
    ///
    /// - a result: the trial is COMPLETE in run `attempt`, and `worker` was its rank 0;
    /// - a checkpoint: `worker` was rank 0 of run `attempt`, which is still running or completed the trial, and a
    ///   checkpoint of that epoch or a later one is stored;
    /// - a failure: run `attempt`, in which `worker` trained, already ended with a failure.
    ///
    /// Progress is never acknowledged or re-sent, so it is never a repeat.
    public func isRepeat(_ report: WorkerReport, from worker: WorkerID) -> Bool {
        switch report {
        case .progress:
            return false
        case .result(let id, let attempt, _, _):
            guard let trial = self.trials[id] else { return false }
            return trial.state == .complete && trial.attempt == attempt && trial.workers.first == worker
        case .checkpoint(let id, let attempt, let epoch):
            guard let trial = self.trials[id], trial.attempt == attempt, trial.workers.first == worker else {
                return false
            }
            return (trial.state == .running || trial.state == .complete) && epoch <= trial.checkpointEpoch ?? 0
        case .failure(let id, let attempt, _, _):
            guard let trial = self.trials[id], trial.attempt == attempt, trial.workers.contains(worker),
                trial.state != .running
            else { return false }
            return trial.failureReasons.last?.hasPrefix("attempt \(attempt):") == true
        }
    }
}
