import Cluster
import Foundation

/// Progress of a long loop on standard error: a bar redrawn in place with rate and ETA when stderr is a terminal,
/// plain log lines (at most one per `plainInterval` seconds) otherwise.
final class ProgressBar {
    private let label: String
    private let total: Int
    private let unit: String
    private let started = Date()
    private let interactive = isatty(STDERR_FILENO) == 1
    private let plainInterval: TimeInterval
    private var lastPlain = Date.distantPast
    private let firstDone: Int

    /// - Parameters:
    ///   - label: what the loop does, e.g. `epoch 3/20`.
    ///   - total: the number of steps.
    ///   - unit: what a step is, for the rate (e.g. `steps`).
    ///   - firstDone: steps already done when the bar starts (not counted in the rate).
    init(_ label: String, total: Int, unit: String, firstDone: Int = 0, plainInterval: TimeInterval = 30) {
        self.firstDone = firstDone
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.plainInterval = plainInterval
    }

    /// Shows `done` of `total` steps with a free-form `detail` (e.g. loss parts).
    func update(_ done: Int, detail: String = "") {
        let elapsed = Date().timeIntervalSince(self.started)
        let rate = elapsed > 0 ? Double(done - self.firstDone) / elapsed : 0
        let remaining = rate > 0 ? Double(self.total - done) / rate : 0
        let eta = ProgressText.duration(remaining)
        let counts = "\(done)/\(self.total) \(String(format: "%.2f", rate)) \(self.unit)/s ETA \(eta)"
        if self.interactive {
            let bar = ProgressText.bar(fraction: Double(done) / Double(self.total), width: 24)
            Self.write("\r\u{1B}[2K\(self.label) \(bar) \(counts) \(detail)")
        } else if done == self.total || Date().timeIntervalSince(self.lastPlain) >= self.plainInterval {
            self.lastPlain = Date()
            Self.write("\(self.label): \(counts) \(detail)\n")
        }
    }

    /// Ends the bar's line (interactive only).
    func finish() {
        if self.interactive { Self.write("\n") }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
