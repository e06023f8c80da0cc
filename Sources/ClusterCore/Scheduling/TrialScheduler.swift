import Search

/// The coordinator's scheduler as a pure state machine: trials, worker groups, budget, retries and pruning.
///
/// Events (a worker became available or was lost, a report arrived, an operator enqueued or cancelled) update
/// the state and return `SchedulerDirective`s; `fill(proposer:)` then forms groups from idle workers and starts
/// waiting trials, asking the proposer for as many new configurations as there are free groups. No sockets, no
/// clocks, no I/O.
///
/// Trial states: WAITING → RUNNING → COMPLETE | PRUNED; RUNNING → WAITING when its group fails (resuming from the
/// newest checkpoint) until `maxFailedAttempts` failures, then FAILED.
public struct TrialScheduler: Sendable {
    /// Group size, budget, retry cap, objective.
    public let settings: SchedulerSettings
    /// Every trial of the study.
    public internal(set) var trials: [TrialID: Trial] = [:]
    /// The current groups, free or running a trial.
    public internal(set) var groups: [GroupID: WorkerGroup] = [:]
    /// Available workers not in any group, in arrival order.
    public internal(set) var idleWorkers: [WorkerID] = []
    /// WAITING trials in the order they will start.
    public internal(set) var waitingQueue: [TrialID] = []
    /// The study's shared warm starts: held by the coordinator, or being computed by a run.
    public internal(set) var warmStarts = WarmStartLedger()
    var nextTrialID: UInt64 = 1
    var nextGroupID: UInt64 = 1
    var announcedFinish = false

    /// Creates a scheduler, continuing the trials of an earlier run of the study if any.
    ///
    /// Restored RUNNING trials become WAITING (their workers will be re-assigned) and start first, keeping their
    /// attempt and failure counts; then WAITING enqueued ones and replicates, then WAITING proposed ones, each by id.
    /// - Precondition: `settings.isValid` and distinct trial ids.
    public init(settings: SchedulerSettings, restoring restored: [Trial] = []) {
        precondition(settings.isValid, "invalid scheduler settings: \(settings)")
        self.settings = settings
        var interrupted: [TrialID] = []
        var enqueued: [TrialID] = []
        var proposed: [TrialID] = []
        for var trial in restored.sorted(by: { $0.id < $1.id }) {
            precondition(self.trials[trial.id] == nil, "trial \(trial.id) restored twice")
            switch trial.state {
            case .running:
                trial.state = .waiting
                trial.group = nil
                interrupted.append(trial.id)
            case .waiting:
                if trial.origin == .proposed { proposed.append(trial.id) } else { enqueued.append(trial.id) }
            case .complete, .pruned, .failed:
                break
            }
            self.trials[trial.id] = trial
            self.nextTrialID = max(self.nextTrialID, trial.id.rawValue + 1)
        }
        self.waitingQueue = interrupted + enqueued + proposed
    }

    // MARK: - Budget

    /// Trials that use up the budget: every trial but replicates, minus FAILED ones when they do not count.
    public var budgetUsed: Int {
        self.trials.values.count {
            $0.origin != .replicate && (self.settings.failedTrialsCountTowardBudget || $0.state != .failed)
        }
    }

    /// How many more trials may be created.
    public var budgetRemaining: Int { max(0, self.settings.budget - self.budgetUsed) }

    /// True when nothing waits or runs, no more trials may be created and no replicates are due.
    public var isFinished: Bool {
        self.budgetRemaining == 0 && self.trials.values.allSatisfy(\.state.isTerminal)
            && self.dueReplicates().isEmpty
    }

    /// True while `worker` belongs to a group that runs a trial.
    public func isBusy(_ worker: WorkerID) -> Bool { self.run(of: worker) != nil }

    /// The current run of the trial whose group `worker` belongs to (nil: it runs none).
    public func run(of worker: WorkerID) -> RunID? {
        guard let group = self.groups.values.first(where: { $0.trial != nil && $0.members.contains(worker) }),
            let id = group.trial, let trial = self.trials[id]
        else { return nil }
        return RunID(trial: id, attempt: trial.attempt)
    }

    /// The current attempt of every RUNNING trial (read from the groups: no more work than there are groups).
    var runningAttempts: [TrialID: Int] {
        var attempts: [TrialID: Int] = [:]
        for case let id? in self.groups.values.map(\.trial) { attempts[id] = self.trials[id]?.attempt }
        return attempts
    }

    // MARK: - Operator actions

    /// Adds a hand-picked configuration with `seeds` seeds; its trials start before every proposed trial that has
    /// not started yet. The study's budget is not raised: the first trial (with a budget trial's seed) is one of the
    /// budget's trials, the other `seeds − 1` are replicates with the seeds `study.seed + 1`, ….
    public mutating func enqueue(_ params: Configuration, seeds: Int = 1) -> [SchedulerDirective] {
        let first = self.create(params, origin: .enqueued)
        let replicates = self.settings.seeding.replicateSeeds(seeds - 1, besides: [first.seed]).map {
            self.create(params, origin: .replicate, seed: $0)
        }
        let firstProposed = self.waitingQueue.firstIndex {
            self.trials[$0]?.origin == .proposed && self.trials[$0]?.attempt == 0
        }
        let created = [first] + replicates
        self.waitingQueue.insert(contentsOf: created.map(\.id), at: firstProposed ?? self.waitingQueue.endIndex)
        return created.map { .trialChanged($0) }
    }

    /// A new WAITING trial with the next id (not queued yet), trained with `seed` (nil: a budget trial's seed).
    mutating func create(_ params: Configuration, origin: TrialOrigin, seed: UInt64? = nil) -> Trial {
        let id = TrialID(self.nextTrialID)
        let trial = Trial(id: id, params: params, origin: origin, seed: seed ?? self.settings.seeding.seed(of: id))
        self.nextTrialID += 1
        self.trials[trial.id] = trial
        return trial
    }

    /// Stops a trial for good (FAILED with the operator's reason); its group becomes free (see `free`).
    public mutating func cancel(_ id: TrialID, reason: String) -> [SchedulerDirective] {
        guard var trial = self.trials[id], !trial.state.isTerminal else { return [] }
        var directives: [SchedulerDirective] = []
        if trial.state == .running, let groupID = trial.group, let group = self.groups[groupID] {
            directives.append(.cancel(workers: group.members, trial: id, attempt: trial.attempt, reason: .cancelled))
            directives += self.free(group, reason: "trial \(id) cancelled")
        }
        self.waitingQueue.removeAll { $0 == id }
        trial.state = .failed
        trial.group = nil
        trial.failureReasons.append("cancelled: \(reason)")
        self.trials[id] = trial
        directives.append(.trialChanged(trial))
        return directives
    }
}
