/// Asynchronous successive halving (ASHA): rungs sit at steps `minResource · reductionFactor^k` (epochs), or, with
/// the `steps` fidelity, at fractions of a full trial's optimizer steps whose rung numbers are the steps
/// (``PrunerFidelity``); a trial that reaches a rung continues only if its value there ranks in the top
/// `max(1, ⌊n / reductionFactor⌋)` of the `n` values recorded at that rung so far (its own included). Trials are
/// never held back waiting for others.
public struct SuccessiveHalving: Hashable, Sendable {
    /// Protection for early trials and early steps.
    public var warmup: PrunerWarmup
    /// The step of the first rung. YAML `min_resource`.
    public var minResource: Int
    /// The factor between rung steps and the fraction promoted. YAML `reduction_factor`.
    public var reductionFactor: Int
    /// What the rungs measure training in. YAML `fidelity` (and `min_fraction`).
    public var fidelity: PrunerFidelity

    public init(
        warmup: PrunerWarmup = PrunerWarmup(), minResource: Int = 1, reductionFactor: Int = 3,
        fidelity: PrunerFidelity = .epochs
    ) {
        self.warmup = warmup
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.fidelity = fidelity
    }

    /// The fractions of a full trial's steps at which the `steps` fidelity's rungs sit (empty for `epochs`).
    public var rungFractions: [Double] { self.fidelity.rungFractions(reductionFactor: self.reductionFactor) }

    /// Whether `step` is a rung step: a rung number with the `steps` fidelity.
    public func isRung(_ step: Int) -> Bool {
        if case .steps = self.fidelity { return step >= 1 && step <= self.rungFractions.count }
        guard step >= self.minResource, self.minResource > 0, self.reductionFactor > 1 else { return false }
        var rung = self.minResource
        while rung < step { rung *= self.reductionFactor }
        return rung == step
    }

    /// Decides whether `trial`, which just reported its value at `step`, should stop.
    /// - Parameters:
    ///   - others: every other trial of the search; `trial` itself may be included, it is skipped by id.
    public func decide(trial: TrialProgress, step: Int, others: [TrialProgress], direction: Direction)
        -> PruneDecision
    {
        let peers = others.filter { $0.id != trial.id }
        if let protected = self.warmup.protects(step: step, others: peers) { return protected }
        guard self.isRung(step) else { return .keep(reason: "step \(step) is not a rung") }
        guard let own = trial.values[step], own.isFinite else {
            return .keep(reason: "no finite value at rung step \(step)")
        }
        let competitors = peers.compactMap { $0.values[step] }.filter(\.isFinite)
        let better = competitors.lazy.filter { direction.isBetter($0, than: own) }.count
        let promoted = max(1, (competitors.count + 1) / self.reductionFactor)
        if better < promoted {
            return .keep(
                reason: "rank \(better + 1) of \(competitors.count + 1) at rung \(step), top \(promoted) go on")
        }
        return .prune(
            reason: "rank \(better + 1) of \(competitors.count + 1) at rung \(step), only top \(promoted) go on")
    }
}
