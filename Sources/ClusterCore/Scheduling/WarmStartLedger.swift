/// Names the shared collaborative warm start a trial needs (MixRec studies with `study.share_warm_start`): trials
/// whose fresh runs would compute the same warm start have the same name.
public protocol WarmStartNaming {
    /// The name of the warm start a fresh run of `trial` computes; nil when the study shares none.
    func warmStart(of trial: Trial) -> String?
}

/// The naming of a study that shares no warm start (synthetic trials, `study.share_warm_start: false`).
public struct NoSharedWarmStarts: WarmStartNaming {
    public init() {}

    public func warmStart(of trial: Trial) -> String? { nil }
}

/// What a run does about its shared warm start.
public enum WarmStartPlan: Hashable, Sendable {
    /// The coordinator holds it: the assignment carries it.
    case ship(String)
    /// Nobody holds it: the run computes it and uploads it.
    case compute(String)

    /// The warm start's name.
    public var name: String {
        switch self {
        case .ship(let name), .compute(let name): name
        }
    }
}

/// The study's shared warm starts as the scheduler sees them: those the coordinator holds (stored in the study
/// directory) and those a run is computing.
///
/// The rule it serves ("computed once"): while a run computes a warm start the coordinator does not hold, a trial
/// that needs the same one does not start; it waits for the upload, or for that run to end without one, after which
/// the next such trial computes it. Whether a recorded run still computes is checked against the trials
/// (`TrialScheduler.isComputing`), so a run that fails, dies or is pruned releases its warm start without an event
/// of its own.
public struct WarmStartLedger: Sendable, Equatable {
    /// The warm starts the coordinator holds.
    public internal(set) var held: Set<String> = []
    /// The run computing each warm start nobody holds yet (it may have ended since).
    public internal(set) var computing: [String: RunID] = [:]

    public init() {}
}

extension TrialScheduler {
    // MARK: - Shared warm starts

    /// The warm starts the coordinator holds when it starts (read from the study directory).
    public mutating func warmStartsHeld(_ names: Set<String>) {
        self.warmStarts.held.formUnion(names)
        for name in names { self.warmStarts.computing[name] = nil }
    }

    /// Whether an upload of `name` is worth storing: the coordinator does not hold it yet.
    public func wantsWarmStart(_ name: String) -> Bool { !self.warmStarts.held.contains(name) }

    /// The coordinator stored `name` (an upload): trials that wait for it may start, and assignments carry it.
    public mutating func onWarmStartStored(_ name: String) {
        self.warmStarts.held.insert(name)
        self.warmStarts.computing[name] = nil
    }

    /// The coordinator's copy of `name` turned out damaged (deleted): it is missing again, and `run` (the run whose
    /// assignment was to carry it) computes it instead.
    public mutating func onWarmStartMissing(_ name: String, computedBy run: RunID) {
        self.warmStarts.held.remove(name)
        self.warmStarts.computing[name] = run
    }

    /// True while the run recorded as computing `name` is still the current run of its trial.
    func isComputing(_ name: String) -> Bool {
        guard let run = self.warmStarts.computing[name], let trial = self.trials[run.trial] else { return false }
        return trial.state == .running && trial.attempt == run.attempt
    }

    /// The warm-start plan of a fresh run of `trial` (nil: a resumed run, which skips the warm start, or a study
    /// that shares none), and whether that run must wait because another run computes the same warm start.
    func warmStartPlan(of trial: Trial, naming: some WarmStartNaming) -> (plan: WarmStartPlan?, waits: Bool) {
        guard trial.checkpointEpoch == nil, let name = naming.warmStart(of: trial) else { return (nil, false) }
        if self.warmStarts.held.contains(name) { return (.ship(name), false) }
        return (.compute(name), self.isComputing(name))
    }
}
