/// Which pruner a search uses (YAML `pruner.kind`: `none`, `median` or `asha`).
public enum PrunerSettings: Hashable, Sendable {
    case none
    case median(MedianStoppingRule)
    case successiveHalving(SuccessiveHalving)

    /// Decides whether `trial`, which just reported its value at `step`, should stop.
    public func decide(trial: TrialProgress, step: Int, others: [TrialProgress], direction: Direction)
        -> PruneDecision
    {
        switch self {
        case .none: return .keep(reason: "pruning is off")
        case .median(let rule): return rule.decide(trial: trial, step: step, others: others, direction: direction)
        case .successiveHalving(let asha):
            return asha.decide(trial: trial, step: step, others: others, direction: direction)
        }
    }

    /// The fractions of a full trial's steps at which trials are compared: ASHA's rungs with the `steps` fidelity,
    /// empty when pruning looks at epochs (or is off).
    public var rungFractions: [Double] {
        guard case .successiveHalving(let asha) = self else { return [] }
        return asha.rungFractions
    }

    /// Checks every field.
    /// - Throws: `SearchError.invalidSetting` naming the field.
    public func validate() throws(SearchError) {
        switch self {
        case .none: return
        case .median(let rule):
            try Self.validate(rule.warmup)
            if rule.minTrialsAtStep < 1 {
                throw .invalidSetting(setting: "pruner.min_trials_at_step", reason: "must be at least 1")
            }
        case .successiveHalving(let asha):
            try Self.validate(asha.warmup)
            if asha.minResource < 1 {
                throw .invalidSetting(setting: "pruner.min_resource", reason: "must be at least 1")
            }
            if asha.reductionFactor < 2 {
                throw .invalidSetting(setting: "pruner.reduction_factor", reason: "must be at least 2")
            }
            if case .steps(let minFraction) = asha.fidelity, !(minFraction > 0 && minFraction < 1) {
                throw .invalidSetting(
                    setting: "pruner.min_fraction",
                    reason: "must be a fraction of a full trial above 0 and below 1, got \(minFraction)")
            }
        }
    }

    private static func validate(_ warmup: PrunerWarmup) throws(SearchError) {
        if warmup.trials < 0 { throw .invalidSetting(setting: "pruner.warmup_trials", reason: "must not be negative") }
        if warmup.steps < 0 { throw .invalidSetting(setting: "pruner.warmup_steps", reason: "must not be negative") }
    }
}
