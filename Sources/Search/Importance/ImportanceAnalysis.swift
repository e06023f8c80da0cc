/// What `ParameterImportance` found out about a study's parameters.
public struct ImportanceAnalysis: Hashable, Sendable {
    /// The estimate, or why there is none.
    public enum Outcome: Hashable, Sendable {
        /// One effect per parameter of the space, most important first (ties in the space's order); the importances
        /// sum to 1. `interactionShare` is the part of the model's variance that no single parameter explains
        /// (interactions, `1 − Σ mainEffectShare`, in `0...1`).
        case estimated([ParameterEffect], interactionShare: Double)
        /// No importances, with the reason in words (too few trials, a constant objective, no usable model).
        case unavailable(String)
    }

    /// The method, in one line for reports.
    public static let method =
        "fANOVA main effects of the fitted GP's posterior mean (Monte Carlo over the search space)"

    /// The observations the model was fitted to: those with a value whose configuration fits the space.
    public var observationsUsed: Int
    /// Observations left out: failed ones and configurations that do not fit the space.
    public var observationsSkipped: Int
    public var outcome: Outcome
    /// Degradations of the GP fit (jitter, failed hyperparameter starts).
    public var diagnostics: [Diagnostic]

    /// An analysis of `observationsUsed` observations (and `observationsSkipped` left out) with `outcome`.
    public init(
        observationsUsed: Int, observationsSkipped: Int, outcome: Outcome, diagnostics: [Diagnostic] = []
    ) {
        self.observationsUsed = observationsUsed
        self.observationsSkipped = observationsSkipped
        self.outcome = outcome
        self.diagnostics = diagnostics
    }

    /// The effects, empty when unavailable.
    public var effects: [ParameterEffect] {
        if case .estimated(let effects, _) = self.outcome { return effects }
        return []
    }

    /// The share of the model's variance no single parameter explains, nil when unavailable.
    public var interactionShare: Double? {
        if case .estimated(_, let share) = self.outcome { return share }
        return nil
    }

    /// Whether there are importances from fewer than `2 × parameters + 1` observations: a GP with one length scale
    /// per parameter is then fitted to barely more points than it has hyperparameters, so the ranking is rough.
    public var isRough: Bool {
        !self.effects.isEmpty && self.observationsUsed < 2 * self.effects.count + 1
    }

    /// The reason there are no importances, nil when there are.
    public var unavailableReason: String? {
        if case .unavailable(let reason) = self.outcome { return reason }
        return nil
    }
}

/// How much one parameter moves the objective, by the fitted model.
public struct ParameterEffect: Hashable, Sendable {
    /// The parameter's name.
    public var name: String
    /// Its main-effect variance divided by the sum over all parameters' main-effect variances: the importances
    /// of a space sum to 1 (Optuna's fANOVA evaluator normalises the same way).
    public var importance: Double
    /// Its main-effect variance divided by the model's total variance over the space (or by the summed main
    /// effects, when sampling noise puts the total below them): the fraction of the objective's variation this
    /// parameter explains on its own.
    public var mainEffectShare: Double
    /// The shortest fitted ARD length scale among its feature columns (unit-cube units; one-hot columns for a
    /// categorical parameter). Shorter means the model varies faster along it; a weaker signal than the
    /// importance, as it ignores how much the function varies, and depends on the encoding's scaling.
    public var lengthScale: Double
}
