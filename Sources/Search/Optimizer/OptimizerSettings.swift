/// Settings of the Bayesian optimizer. Every field has a default that suits 10–300 trials.
public struct OptimizerSettings: Hashable, Sendable {
    /// Trials drawn from the space-filling (Latin hypercube) design before the GP takes over; `nil` means
    /// `max(5, min(2 · parameters, 10))`. YAML `initial_trials`.
    public var initialTrials: Int?
    /// Random candidates scored by the acquisition function per proposal. YAML `candidates`.
    public var candidates: Int = 1024
    /// Best candidates refined by local search per proposal, then polished by gradient ascent of log EI over their
    /// float parameters. YAML `local_starts`.
    public var localStarts: Int = 8
    /// Local-search rounds per start, and the most L-BFGS iterations of the gradient polish. YAML `local_steps`.
    public var localSteps: Int = 24
    /// Random hyperparameter starts screened (besides the prior mean) before L-BFGS runs from the best.
    /// YAML `restarts`.
    public var restarts: Int = 8
    /// Maximum L-BFGS iterations per hyperparameter start. YAML `fit_iterations`.
    public var fitIterations: Int = 60

    public init() {}

    /// The initial-design size for a space with `parameterCount` parameters.
    func initialTrials(parameterCount: Int) -> Int {
        self.initialTrials ?? max(5, min(2 * parameterCount, 10))
    }

    /// Checks every field.
    /// - Throws: `SearchError.invalidSetting` naming the field.
    public func validate() throws(SearchError) {
        if let initial = self.initialTrials, initial < 1 {
            throw .invalidSetting(setting: "initial_trials", reason: "must be at least 1, got \(initial)")
        }
        let positive: [(String, Int)] = [
            ("candidates", self.candidates), ("local_starts", self.localStarts), ("local_steps", self.localSteps),
            ("fit_iterations", self.fitIterations),
        ]
        for (name, value) in positive where value < 1 {
            throw .invalidSetting(setting: name, reason: "must be at least 1, got \(value)")
        }
        if self.restarts < 0 { throw .invalidSetting(setting: "restarts", reason: "must not be negative") }
    }
}
