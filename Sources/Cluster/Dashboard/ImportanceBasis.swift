import ClusterCore
import Foundation
import Search

/// The values a study's importance analysis reads (``StudyImportance``): the budget's trials (a replicate repeats a
/// configuration with another seed), all at one fidelity, the highest that enough of them reached. A study that
/// prunes most trials early (ASHA) has few COMPLETE ones; their values at the first rung or epoch, where every trial
/// was judged, still say what the parameters do after the same training.
struct ImportanceBasis: Hashable {
    /// Where the values come from.
    enum Level: Hashable {
        /// COMPLETE trials' final objective.
        case complete
        /// The validation after epoch `n`, of every trial that reached it.
        case epoch(Int)
        /// Rung `n` (`pruner.fidelity: steps`) at `fraction` of a full trial, of every trial that reached it.
        case rung(Int, fraction: Double?)
    }

    var level: Level
    var observations: [Observation]

    /// The observations in words: `8 complete trials`, `16 trials at rung 1 (0.1111 of a full trial)`.
    var description: String {
        let count = self.observations.count
        switch self.level {
        case .complete: return "\(count) complete trials"
        case .epoch(let epoch): return "\(count) trials at epoch \(epoch)"
        case .rung(let rung, let fraction):
            return "\(count) trials at rung \(rung)" + (fraction.map { " (\(Self.short($0)) of a full trial)" } ?? "")
        }
    }

    /// The highest level (complete, then later epochs, then later rungs) with at least `needed` observations of
    /// `objective`, else the level with the most (the higher on a tie).
    static func choose(_ trials: [Trial], objective: String, needed: Int) -> ImportanceBasis {
        let budget = trials.filter { $0.origin != .replicate && $0.state != .failed }
        let epochs = Set(budget.flatMap { $0.curve(of: objective).keys }).sorted(by: >)
        let rungs = Set(budget.flatMap { $0.rungCurve(of: objective).keys }).sorted(by: >)
        let levels =
            [Level.complete] + epochs.map(Level.epoch)
            + rungs.map { rung in
                Level.rung(rung, fraction: budget.lazy.compactMap { $0.rungFraction(rung) }.first)
            }
        let bases = levels.map { level in
            ImportanceBasis(
                level: level,
                observations: budget.compactMap { trial in
                    Self.value(of: trial, at: level, objective: objective).map {
                        Observation(configuration: trial.params, value: $0)
                    }
                })
        }
        return bases.first { $0.observations.count >= needed }
            ?? bases.reduce(bases[0]) { $1.observations.count > $0.observations.count ? $1 : $0 }
    }

    private static func value(of trial: Trial, at level: Level, objective: String) -> Double? {
        switch level {
        case .complete: trial.state == .complete ? trial.finalMetrics?[objective] : nil
        case .epoch(let epoch): trial.curve(of: objective)[epoch]
        case .rung(let rung, _): trial.rungCurve(of: objective)[rung]
        }
    }

    /// A fraction to four significant digits.
    private static func short(_ fraction: Double) -> String {
        String(format: "%.4g", fraction)
    }
}
