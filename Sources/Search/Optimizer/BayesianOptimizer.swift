import Foundation

/// Gaussian-process Bayesian optimisation over a `SearchSpace`, as a pure function of its inputs:
/// `propose(count:seed:observations:pending:)` depends only on the space, the settings, the seed, the observations
/// and the pending configurations (in any order), so a search resumes by calling it again with the stored trials.
///
/// The first trials come from a Latin-hypercube design. Afterwards a GP (Matérn-5/2 ARD on one-hot/unit-cube
/// features, standardised outputs, hyperparameters by maximum a posteriori with restarts) is fitted, each pending
/// configuration is fantasised at its posterior mean (kriging believer), and each proposal maximises log expected
/// improvement and is fantasised in turn, so a batch holds distinct points.
public struct BayesianOptimizer: Sendable {
    public let space: SearchSpace
    public let direction: Direction
    public let settings: OptimizerSettings

    /// An optimizer for `space`, minimising or maximising as `direction` says.
    public init(space: SearchSpace, direction: Direction, settings: OptimizerSettings = OptimizerSettings()) {
        self.space = space
        self.direction = direction
        self.settings = settings
    }

    /// An optimizer for a search file's space, direction and settings.
    public init(config: SearchConfig) {
        self.init(space: config.space, direction: config.direction, settings: config.optimizer)
    }

    /// Proposes `count` configurations to evaluate next.
    /// - Parameters:
    ///   - count: how many configurations (workers that are idle); at least 1.
    ///   - seed: the search's seed; the random stream of this call is derived from it and the trial counts.
    ///   - observations: every finished trial (order does not matter).
    ///   - pending: configurations being evaluated now (order does not matter).
    /// - Throws: `SearchError.invalidConfiguration` if an observation or pending configuration does not fit the
    ///   space, or `.invalidSetting` for bad settings or `count`.
    public func propose(
        count: Int = 1, seed: UInt64, observations: [Observation], pending: [Configuration] = []
    ) throws(SearchError) -> Proposal {
        guard count >= 1 else { throw .invalidSetting(setting: "count", reason: "must be at least 1, got \(count)") }
        try self.settings.validate()
        let observed = try self.canonicalObservations(observations)
        let running = try self.canonicalPending(pending)
        var generator = SplitMix64(seed: seed, stream: [UInt64(observed.count), UInt64(running.count), 1])
        let known = Set(observed.map(\.key) + running.map(\.canonicalJSON))
        var session = ProposalSession(configurations: [], sources: [], diagnostics: [], known: known)

        let initialTrials = self.settings.initialTrials(parameterCount: self.space.parameters.count)
        var designGenerator = SplitMix64(seed: seed, stream: [0xDE51_9000])
        let design = self.space.latinHypercube(count: initialTrials, using: &designGenerator)
        var slot = observed.count + running.count
        while session.configurations.count < count && slot < initialTrials {
            session.accept(self.space.configuration(of: design[slot]), source: .initialDesign)
            slot += 1
        }
        if session.configurations.count < count {
            var model = ModelProposer(
                optimizer: self, observed: observed, pending: running, diagnostics: &session.diagnostics,
                generator: &generator)
            while session.configurations.count < count {
                if let (point, skipped) = model?.next(excluding: session.known, generator: &generator) {
                    if skipped > 0 {
                        session.diagnostics.append(
                            Diagnostic(.duplicateAvoided, "\(skipped) better candidates repeated known configurations"))
                    }
                    session.accept(self.space.configuration(of: point), source: .model)
                } else {
                    if model == nil, !session.diagnostics.contains(where: { $0.kind == .randomFallback }) {
                        session.diagnostics.append(Diagnostic(.randomFallback, "no usable GP model"))
                    }
                    session.accept(
                        self.randomConfiguration(excluding: session.known, using: &generator), source: .random)
                }
            }
        }
        return Proposal(
            configurations: session.configurations, sources: session.sources, diagnostics: session.diagnostics)
    }

    // MARK: - Inputs

    /// Validated observations, sorted by canonical JSON then value so that the input order does not matter.
    private func canonicalObservations(_ observations: [Observation]) throws(SearchError) -> [CanonicalObservation] {
        var result: [CanonicalObservation] = []
        for observation in observations {
            let configuration = try self.space.validate(observation.configuration)
            result.append(
                CanonicalObservation(
                    key: configuration.canonicalJSON, point: self.space.unitPoint(of: configuration),
                    value: observation.value.map(self.direction.minimised)))
        }
        return result.sorted { ($0.key, $0.value ?? .infinity) < ($1.key, $1.value ?? .infinity) }
    }

    private func canonicalPending(_ pending: [Configuration]) throws(SearchError) -> [Configuration] {
        var result: [Configuration] = []
        for configuration in pending { result.append(try self.space.validate(configuration)) }
        return result.sorted { $0.canonicalJSON < $1.canonicalJSON }
    }

    /// A uniformly random configuration not in `known` (after 100 tries, any random configuration).
    private func randomConfiguration(excluding known: Set<String>, using generator: inout SplitMix64) -> Configuration {
        var configuration = self.space.configuration(of: self.space.randomPoint(using: &generator))
        for _ in 0..<100 where known.contains(configuration.canonicalJSON) {
            configuration = self.space.configuration(of: self.space.randomPoint(using: &generator))
        }
        return configuration
    }
}

/// An observation reduced to what the model needs: canonical key, working point, minimised value (nil: failed).
struct CanonicalObservation {
    let key: String
    let point: UnitPoint
    let value: Double?
}

/// The proposals of one call, growing one configuration at a time.
private struct ProposalSession {
    var configurations: [Configuration]
    var sources: [Proposal.Source]
    var diagnostics: [Diagnostic]
    var known: Set<String>

    mutating func accept(_ configuration: Configuration, source: Proposal.Source) {
        self.configurations.append(configuration)
        self.sources.append(source)
        self.known.insert(configuration.canonicalJSON)
    }
}
