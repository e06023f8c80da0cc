import Search

/// A finished (or stopped) trial as the optimizer sees it.
public struct TrialObservation: Hashable, Sendable {
    public var params: Configuration
    /// COMPLETE, PRUNED or FAILED.
    public var state: TrialState
    /// The objective at the end (final metrics of a COMPLETE trial, the last reported value of a PRUNED one).
    public var objective: Double?
    /// The objective by epoch.
    public var curve: [Int: Double]

    public init(params: Configuration, state: TrialState, objective: Double?, curve: [Int: Double]) {
        self.params = params
        self.state = state
        self.objective = objective
        self.curve = curve
    }
}

/// The source of new configurations: `BayesianTrialProposer` (the Search module's optimizer), or a fake in tests.
///
/// The scheduler passes everything observed so far on every call, so an implementation can be rebuilt from the
/// study database after a restart and need not keep state between calls.
public protocol TrialProposer {
    /// Checks a hand-picked configuration (`mixrec enqueue`) against the search space.
    /// - Returns: the configuration with every value in the kind its parameter declares.
    /// - Throws: an error naming the parameter at fault; the coordinator logs it and drops the request.
    func validate(_ configuration: Configuration) throws -> Configuration

    /// Proposes up to `count` new configurations.
    /// - Parameters:
    ///   - count: how many groups are free (at least 1).
    ///   - observations: every terminal trial, in trial-id order (enqueued ones included, replicates left out).
    ///   - pending: configurations of the trials waiting or running (replicates left out), to avoid proposing them
    ///     again.
    /// - Returns: at most `count` configurations; fewer is allowed (the scheduler asks again later).
    /// - Throws: any error, reported by the scheduler as `.proposerFailed`.
    mutating func propose(count: Int, observations: [TrialObservation], pending: [Configuration]) throws
        -> [Configuration]
}

/// Decides whether a running trial should stop early (median rule, ASHA, …): `SearchTrialPruner`, or a fake.
public protocol TrialPruner {
    /// - Parameters:
    ///   - trial: the trial that just reported (its id is `Int(trial.rawValue)` in `progress`).
    ///   - epoch: the epoch it completed (1-based).
    ///   - progress: the objective by epoch of every trial that reported any, this one included; COMPLETE and
    ///     PRUNED trials are marked finished.
    /// - Returns: prune or keep, with the reason.
    func decide(trial: TrialID, epoch: Int, progress: [TrialProgress]) -> PruneDecision
}

/// A pruner that never prunes.
public struct NoPruning: TrialPruner, Sendable {
    public init() {}

    public func decide(trial: TrialID, epoch: Int, progress: [TrialProgress]) -> PruneDecision {
        .keep(reason: "pruning is off")
    }
}
