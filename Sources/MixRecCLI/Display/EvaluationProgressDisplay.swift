import MixRec
import RecData

/// A transient progress bar per evaluation pass (validation or test users ranked), for `train` and `evaluate`.
final class EvaluationProgressDisplay {
    private var bar: ProgressBar?

    /// Draws `progress`; a pass's first report opens its bar and its last one erases it.
    func show(_ progress: EvaluationProgress) {
        if self.bar == nil {
            self.bar = ProgressBar(
                "ranking \(progress.stage.rawValue) users", total: progress.total, unit: "users",
                firstDone: progress.done, transient: true)
        }
        self.bar?.update(progress.done)
        if progress.done >= progress.total {
            self.bar?.finish()
            self.bar = nil
        }
    }
}
