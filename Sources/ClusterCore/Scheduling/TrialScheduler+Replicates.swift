import Search

// MARK: - Replicates of the best configurations (`study.seeds`, `study.reseed_best`)

extension TrialScheduler {
    /// The replicates the study still owes, as (configuration, seed) pairs in rank order.
    ///
    /// None until the budget is used and every budget trial is terminal. Then each of the best `reseedBest`
    /// COMPLETE configurations (by final objective, in the settings' direction; ties by trial id) is owed trials
    /// until it has run with `seedsPerConfiguration` distinct seeds; every trial of a configuration counts, failed
    /// ones too, so a failing replicate is not retried forever. Derived from the trials alone, so a restarted
    /// coordinator owes what an uninterrupted one would.
    public func dueReplicates() -> [(params: Configuration, seed: UInt64)] {
        let seeding = self.settings.seeding
        let budgetTrials = self.trials.values.filter { $0.origin != .replicate }
        guard seeding.seedsPerConfiguration > 1, self.budgetRemaining == 0,
            budgetTrials.allSatisfy(\.state.isTerminal)
        else { return [] }
        return self.bestConfigurations(among: budgetTrials, count: seeding.reseedBest).flatMap { params in
            let taken = Set(self.trials.values.filter { $0.params == params }.map(\.seed))
            let missing = max(0, seeding.seedsPerConfiguration - taken.count)
            return seeding.replicateSeeds(missing, besides: taken).map { (params: params, seed: $0) }
        }
    }

    /// Creates and queues every due replicate.
    mutating func queueDueReplicates() -> [SchedulerDirective] {
        self.dueReplicates().map { due in
            let trial = self.create(due.params, origin: .replicate, seed: due.seed)
            self.waitingQueue.append(trial.id)
            return .trialChanged(trial)
        }
    }

    /// The distinct configurations of the best `count` COMPLETE trials with an objective, best first.
    private func bestConfigurations(among trials: [Trial], count: Int) -> [Configuration] {
        let metric = self.settings.objectiveMetric
        let ranked = trials.compactMap { trial -> (trial: Trial, value: Double)? in
            guard trial.state == .complete, let value = trial.finalMetrics?[metric] else { return nil }
            return (trial, value)
        }.sorted { a, b in
            guard a.value != b.value else { return a.trial.id < b.trial.id }
            return self.settings.maximizesObjective ? a.value > b.value : a.value < b.value
        }
        var best: [Configuration] = []
        for entry in ranked where best.count < count && !best.contains(entry.trial.params) {
            best.append(entry.trial.params)
        }
        return best
    }
}
