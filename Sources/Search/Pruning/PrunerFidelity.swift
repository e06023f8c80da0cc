/// What ASHA's rungs measure a trial's training in (YAML `pruner.fidelity`).
///
/// `epochs` (the default) puts rungs at whole epochs. `steps` puts them at fractions of a full trial's optimizer
/// steps, `minFraction · reductionFactor^k` below 1, so the first rungs fall inside the first epoch: a trial pruned
/// there has trained a small share of a full trial (the first steps of its seeded user order, the same users for
/// every trial with the same seed, each rung's users containing the previous rung's), and a promoted trial simply
/// trains on, so a trial that completes is the same run as a standalone one. The pruner's steps are then rung
/// numbers (1 = the first rung).
public enum PrunerFidelity: Hashable, Sendable {
    case epochs
    case steps(minFraction: Double)

    /// `min_fraction` when the file does not say: `reductionFactor^-3`, three rungs below a full trial.
    public static func defaultMinFraction(reductionFactor: Int) -> Double {
        let factor = Double(reductionFactor)
        return 1 / (factor * factor * factor)
    }

    /// How close to 1 a rung's fraction may come before it counts as the full trial (no rung).
    static let fullTrialTolerance = 1e-4

    /// The fractions of a full trial's steps at which the rungs sit, ascending, all below 1 (none for `epochs`).
    public func rungFractions(reductionFactor: Int) -> [Double] {
        guard case .steps(let minFraction) = self, minFraction > 0, reductionFactor > 1 else { return [] }
        var fractions: [Double] = []
        var fraction = minFraction
        // A rung within `fullTrialTolerance` of a full trial is none: it keeps 1/27 · 27, or 1/9 written as 0.1111111
        // times 9, from leaving a rung a rounding error before the trial's end, where pruning would waste it whole.
        while fraction < 1 - Self.fullTrialTolerance {
            fractions.append(fraction)
            fraction *= Double(reductionFactor)
        }
        return fractions
    }
}
