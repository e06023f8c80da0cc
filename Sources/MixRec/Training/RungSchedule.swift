/// Where a run's rungs (`train.rungs`, fractions of its optimizer steps) fall: rung `k` is reported after step
/// `max(1, round(fraction_k · totalSteps))`. The steps of a run are its users in their seeded order, so the users
/// trained by a rung are the same for every run with the same seed and include the previous rung's. A rung that
/// would fall on the run's last step is dropped: the run has trained everything there, and its final epoch reports
/// the same validation.
struct RungSchedule {
    /// One rung: its number (from 1), its fraction of the run and the step after which it is reported.
    struct Rung: Equatable {
        var number: Int
        var fraction: Double
        var step: Int
    }

    let rungs: [Rung]

    init(fractions: [Double], totalSteps: Int) {
        self.rungs = fractions.enumerated().compactMap { index, fraction in
            let step = max(1, Int((fraction * Double(totalSteps)).rounded()))
            return step < totalSteps ? Rung(number: index + 1, fraction: fraction, step: step) : nil
        }
    }

    /// The rungs reported after `step` (two rungs share a step when the run is too short to separate them).
    func rungs(atStep step: Int) -> [Rung] {
        self.rungs.filter { $0.step == step }
    }
}

/// A mid-run validation at a rung (``TrainingConfig/rungs``): what a study's pruner compares with the other trials'
/// values at the same rung.
public struct RungReport: Sendable, Equatable {
    /// The rung's number, from 1.
    public var rung: Int
    /// Its fraction of the run's optimizer steps, as configured.
    public var fraction: Double
    /// The 1-based epoch it falls in.
    public var epoch: Int
    /// Optimizer steps taken when it was validated.
    public var step: Int
    /// Validation metrics (`hr@10`, `ndcg@10`, …) of the whole group.
    public var validation: [String: Double]
    /// Wall-clock seconds since its epoch started, validation included (as ``EpochSummary/seconds``).
    public var seconds: Double
}
