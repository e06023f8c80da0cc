import Search

/// The scheduler's proposer backed by the Search module's Gaussian-process optimizer.
///
/// Stateless between calls: every proposal is `BayesianOptimizer.propose` of the stored observations and the
/// pending configurations with the study's seed, so a coordinator restarted on the same study database proposes
/// exactly what an uninterrupted one would have.
///
/// Observations follow the Search module's conventions: a COMPLETE trial is its final objective; a PRUNED trial is
/// the last value it reported (its final metrics are the metrics of the epoch it was pruned at); a FAILED trial
/// (retry cap reached, cancelled, or no objective) is `.failed`, which the optimizer gives the worst value seen.
public struct BayesianTrialProposer: TrialProposer, Sendable {
    public let optimizer: BayesianOptimizer
    public let seed: UInt64
    /// The degradations the optimizer reported on the last call (random fallback, imputed failures, …).
    public private(set) var lastDiagnostics: [Diagnostic] = []

    /// A proposer for `search`'s space, direction and optimizer settings.
    public init(search: SearchConfig, seed: UInt64) {
        self.optimizer = BayesianOptimizer(config: search)
        self.seed = seed
    }

    public func validate(_ configuration: Configuration) throws -> Configuration {
        try self.optimizer.space.validate(configuration)
    }

    public mutating func propose(count: Int, observations: [TrialObservation], pending: [Configuration]) throws
        -> [Configuration]
    {
        let proposal = try self.optimizer.propose(
            count: count, seed: self.seed, observations: observations.map(Self.observation), pending: pending)
        self.lastDiagnostics = proposal.diagnostics
        return proposal.configurations
    }

    /// A terminal trial as the optimizer sees it.
    public static func observation(_ trial: TrialObservation) -> Observation {
        switch (trial.state, trial.objective) {
        case (.complete, let value?), (.pruned, let value?):
            return Observation(configuration: trial.params, value: value)
        default:
            return Observation(configuration: trial.params, outcome: .failed)
        }
    }
}
