/// The median stopping rule: stop a trial whose best value so far is worse than the median of the other trials'
/// values at the same step.
public struct MedianStoppingRule: Hashable, Sendable {
    /// Protection for early trials and early steps.
    public var warmup: PrunerWarmup
    /// Other trials that must have reported at the step before the median is trusted. YAML `min_trials_at_step`.
    public var minTrialsAtStep: Int

    public init(warmup: PrunerWarmup = PrunerWarmup(), minTrialsAtStep: Int = 1) {
        self.warmup = warmup
        self.minTrialsAtStep = minTrialsAtStep
    }

    /// Decides whether `trial`, which just reported its value at `step`, should stop.
    /// - Parameters:
    ///   - others: every other trial of the search (finished or running); `trial` itself may be included, it is
    ///     skipped by id.
    public func decide(trial: TrialProgress, step: Int, others: [TrialProgress], direction: Direction)
        -> PruneDecision
    {
        let peers = others.filter { $0.id != trial.id }
        if let protected = self.warmup.protects(step: step, others: peers) { return protected }
        guard let own = trial.best(upTo: step, direction: direction) else {
            return .keep(reason: "no finite value reported up to step \(step)")
        }
        let atStep = peers.compactMap { $0.values[step] }.filter(\.isFinite).sorted()
        guard atStep.count >= self.minTrialsAtStep, !atStep.isEmpty else {
            return .keep(reason: "only \(atStep.count) other trials reported step \(step)")
        }
        let middle = atStep.count / 2
        let median = atStep.count % 2 == 1 ? atStep[middle] : (atStep[middle - 1] + atStep[middle]) / 2
        if direction.isBetter(median, than: own) {
            return .prune(
                reason: "best \(own) is worse than the median \(median) of \(atStep.count) trials at step \(step)")
        }
        return .keep(reason: "best \(own) is not worse than the median \(median) at step \(step)")
    }
}
