import Foundation

/// Progress of a long loop on standard error: a bar redrawn in place with rate and ETA when stderr is a terminal,
/// plain log lines (at most one per `plainInterval` seconds) otherwise. A transient bar is for loops that are
/// usually short: it erases itself when finished and writes log lines only once it has run `plainInterval`.
final class ProgressBar {
    private let label: String
    private let total: Int
    private let unit: String
    private let started = Date()
    private let interactive = isatty(STDERR_FILENO) == 1
    private let plainInterval: TimeInterval
    private var lastPlain = Date.distantPast
    private let firstDone: Int
    private let transient: Bool

    /// - Parameters:
    ///   - label: what the loop does, e.g. `epoch 3/20`.
    ///   - total: the number of steps.
    ///   - unit: what a step is, for the rate (e.g. `steps`).
    ///   - firstDone: steps already done when the bar starts (not counted in the rate).
    ///   - transient: erase the bar when finished; no log lines before `plainInterval` has passed.
    init(
        _ label: String, total: Int, unit: String, firstDone: Int = 0, plainInterval: TimeInterval = 30,
        transient: Bool = false
    ) {
        self.firstDone = firstDone
        self.transient = transient
        if transient { self.lastPlain = self.started }
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
        } else if (done == self.total && (!self.transient || elapsed >= self.plainInterval))
            || Date().timeIntervalSince(self.lastPlain) >= self.plainInterval
        {
            self.lastPlain = Date()
            Self.write("\(self.label): \(counts) \(detail)\n")
        }
    }

    /// Ends the bar's line, or erases a transient bar (interactive only).
    func finish() {
        if self.interactive { Self.write(self.transient ? "\r\u{1B}[2K" : "\n") }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
