import Search

// MARK: - Forming groups and starting trials

extension TrialScheduler {
    /// Forms groups from idle workers, queues the replicates that are due, starts waiting trials on free groups and
    /// asks `proposer` for new configurations when free groups outnumber the waiting trials (within the remaining
    /// budget). A waiting trial whose shared warm start (`naming`) another run is computing stays in the queue and
    /// a later one starts instead (``WarmStartLedger``).
    /// Call it after every batch of events.
    public mutating func fill(
        proposer: inout some TrialProposer, naming: some WarmStartNaming = NoSharedWarmStarts()
    ) -> [SchedulerDirective] {
        var directives = self.formGroups() + self.queueDueReplicates()
        let freeGroups = self.groups.values.filter { $0.trial == nil }.map(\.id).sorted()
        let wanted = min(freeGroups.count - self.waitingQueue.count, self.budgetRemaining)
        if wanted > 0 {
            directives += self.askForProposals(wanted, proposer: &proposer)
        }
        for groupID in freeGroups {
            let startable = self.waitingQueue.firstIndex { id in
                self.trials[id].map { !self.warmStartPlan(of: $0, naming: naming).waits } ?? true
            }
            guard let startable else { break }
            directives += self.start(self.waitingQueue.remove(at: startable), on: groupID, naming: naming)
        }
        if self.isFinished && !self.announcedFinish {
            self.announcedFinish = true
            directives.append(.studyFinished)
        }
        return directives
    }

    private mutating func formGroups() -> [SchedulerDirective] {
        var directives: [SchedulerDirective] = []
        let size = self.settings.groupSize
        while self.idleWorkers.count >= size {
            let group = WorkerGroup(id: GroupID(self.nextGroupID), members: Array(self.idleWorkers.prefix(size)))
            self.idleWorkers.removeFirst(size)
            self.nextGroupID += 1
            self.groups[group.id] = group
            directives.append(.groupFormed(group))
        }
        return directives
    }

    private mutating func askForProposals(_ count: Int, proposer: inout some TrialProposer) -> [SchedulerDirective] {
        let ordered = self.trials.values.filter { $0.origin != .replicate }.sorted { $0.id < $1.id }
        let observations = ordered.filter(\.state.isTerminal).map { trial in
            let curve = trial.curve(of: self.settings.objectiveMetric)
            let last = curve.max { $0.key < $1.key }?.value
            return TrialObservation(
                params: trial.params, state: trial.state,
                objective: trial.finalMetrics?[self.settings.objectiveMetric] ?? last, curve: curve)
        }
        let pending = ordered.filter { !$0.state.isTerminal }.map(\.params)
        let proposals: [Configuration]
        do {
            proposals = try proposer.propose(count: count, observations: observations, pending: pending)
        } catch {
            return [.proposerFailed("\(error)")]
        }
        var directives: [SchedulerDirective] = []
        for params in proposals.prefix(count) {
            let trial = self.create(params, origin: .proposed)
            self.waitingQueue.append(trial.id)
            directives.append(.trialChanged(trial))
        }
        return directives
    }

    private mutating func start(
        _ id: TrialID, on groupID: GroupID, naming: some WarmStartNaming
    ) -> [SchedulerDirective] {
        guard var trial = self.trials[id], let group = self.groups[groupID] else { return [] }
        let warmStart = self.warmStartPlan(of: trial, naming: naming).plan
        trial.state = .running
        trial.attempt += 1
        trial.group = groupID
        trial.workers = group.members
        self.trials[id] = trial
        self.groups[groupID]?.trial = id
        let plan = AssignmentPlan(
            trial: id, attempt: trial.attempt, group: groupID, members: group.members, params: trial.params,
            seed: trial.seed, resumeEpoch: trial.checkpointEpoch, warmStart: warmStart)
        if case .compute(let name) = warmStart {
            self.warmStarts.computing[name] = RunID(trial: id, attempt: trial.attempt)
        }
        return [.trialChanged(trial), .assign(plan)]
    }
}
