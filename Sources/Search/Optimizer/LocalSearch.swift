/// A search loop in one process for synthetic objectives (used by `mixrec search` and the benchmark): each round
/// proposes `batch` configurations together, evaluates them and records the observations.
public struct LocalSearch: Sendable {
    /// One evaluated trial.
    public struct Trial: Sendable {
        public let number: Int
        public let configuration: Configuration
        public let value: Double
        public let source: Proposal.Source
    }

    public let optimizer: BayesianOptimizer
    public let seed: UInt64

    public init(optimizer: BayesianOptimizer, seed: UInt64) {
        self.optimizer = optimizer
        self.seed = seed
    }

    /// Runs `trials` evaluations, `batch` at a time, calling `report` after each trial and `log` for every
    /// diagnostic.
    /// - Throws: what `evaluate` throws, or a `SearchError` from the optimizer.
    public func run(
        trials: Int, batch: Int, evaluate: (Configuration) throws -> Double,
        report: (Trial) -> Void = { _ in }, log: (Diagnostic) -> Void = { _ in }
    ) throws -> [Trial] {
        var history: [Trial] = []
        var observations: [Observation] = []
        while history.count < trials {
            let count = min(batch, trials - history.count)
            let proposal = try self.optimizer.propose(count: count, seed: self.seed, observations: observations)
            proposal.diagnostics.forEach(log)
            for (configuration, source) in zip(proposal.configurations, proposal.sources) {
                let value = try evaluate(configuration)
                let trial = Trial(number: history.count, configuration: configuration, value: value, source: source)
                history.append(trial)
                observations.append(Observation(configuration: configuration, value: value))
                report(trial)
            }
        }
        return history
    }
}
