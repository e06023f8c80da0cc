/// A finished trial: its configuration and its outcome.
public struct Observation: Hashable, Sendable, Codable {
    /// How a trial ended.
    public enum Outcome: Hashable, Sendable, Codable {
        /// The objective value (in the search's direction).
        case value(Double)
        /// The trial crashed or diverged; the optimizer treats it as the worst value seen.
        case failed
    }

    public var configuration: Configuration
    public var outcome: Outcome

    public init(configuration: Configuration, outcome: Outcome) {
        self.configuration = configuration
        self.outcome = outcome
    }

    /// An observation with objective value `value`; a non-finite value counts as a failure.
    public init(configuration: Configuration, value: Double) {
        self.init(configuration: configuration, outcome: value.isFinite ? .value(value) : .failed)
    }

    /// The objective value, or `nil` for a failed trial.
    public var value: Double? {
        if case .value(let value) = self.outcome { return value }
        return nil
    }
}

/// The result of one call to `BayesianOptimizer.propose`.
public struct Proposal: Sendable {
    /// Where a proposed configuration came from.
    public enum Source: String, Hashable, Sendable {
        /// The initial Latin-hypercube design.
        case initialDesign
        /// The maximiser of log expected improvement under the GP.
        case model
        /// Uniform sampling, when there is no usable model.
        case random
    }

    /// The proposed configurations, distinct from each other and from the observed and pending ones when the space
    /// allows.
    public var configurations: [Configuration]
    /// The origin of each configuration, parallel to `configurations`.
    public var sources: [Source]
    /// Every degradation handled while proposing.
    public var diagnostics: [Diagnostic]
}
