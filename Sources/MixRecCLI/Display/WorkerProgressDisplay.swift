import Cluster
import Foundation
import Logging

/// Shows a worker's training: a progress bar with ETA redrawn in place when standard error is a terminal, else one
/// log line per finished epoch.
final class WorkerProgressDisplay {
    private let logger: Logger
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var shown: (trial: TrialID, attempt: Int, epoch: Int)?

    init(logger: Logger) {
        self.logger = logger
    }

    func show(_ progress: WorkerProgress) {
        let run = (progress.trial, progress.attempt)
        let newRun = self.shown.map { ($0.trial, $0.attempt) != run } ?? true
        if self.isTerminal {
            let end = newRun && self.shown != nil ? "\n" : ""
            FileHandle.standardError.write(Data((end + "\r\u{1B}[2K" + progress.bar()).utf8))
        } else if !newRun, progress.epoch != self.shown?.epoch {
            self.logger.info("\(progress.logLine)")
        }
        self.shown = (progress.trial, progress.attempt, progress.epoch)
    }
}
