/// A finished (or stopped) trial as the optimizer sees it.
public struct TrialObservation: Hashable, Sendable {
    public var params: TrialParameters
    /// COMPLETE, PRUNED or FAILED.
    public var state: TrialState
    /// The objective at the end (final metrics of a COMPLETE trial, the last reported value of a PRUNED one).
    public var objective: Double?
    /// The objective by epoch.
    public var curve: [Int: Double]

    public init(params: TrialParameters, state: TrialState, objective: Double?, curve: [Int: Double]) {
        self.params = params
        self.state = state
        self.objective = objective
        self.curve = curve
    }
}

/// The source of new configurations (the Search module's Bayesian optimizer, through an adapter).
///
/// The scheduler passes everything observed so far on every call, so an implementation can be rebuilt from the
/// study database after a restart and need not keep state between calls.
public protocol TrialProposer {
    /// Proposes up to `count` new configurations.
    /// - Parameters:
    ///   - count: how many groups are free (at least 1).
    ///   - observations: every terminal trial, in trial-id order (enqueued ones included).
    ///   - pending: configurations of the trials waiting or running, to avoid proposing them again.
    /// - Returns: at most `count` configurations; fewer is allowed (the scheduler asks again later).
    /// - Throws: any error, reported by the scheduler as `.proposerFailed`.
    mutating func propose(count: Int, observations: [TrialObservation], pending: [TrialParameters]) throws
        -> [TrialParameters]
}

/// Decides whether a running trial should stop early (median rule, ASHA, …).
public protocol TrialPruner {
    /// - Parameters:
    ///   - trial: the trial that just reported.
    ///   - epoch: the epoch it completed (1-based).
    ///   - curves: the objective by epoch of every trial that reported any, this one included.
    /// - Returns: true to prune it now.
    func shouldPrune(trial: TrialID, epoch: Int, curves: [TrialID: [Int: Double]]) -> Bool
}

/// A pruner that never prunes.
public struct NoPruning: TrialPruner, Sendable {
    public init() {}
    public func shouldPrune(trial: TrialID, epoch: Int, curves: [TrialID: [Int: Double]]) -> Bool { false }
}
