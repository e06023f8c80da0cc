import Foundation

/// The pieces of progress output shared by the worker's and the trainer's displays (`WorkerProgressDisplay`,
/// `ProgressBar`).
enum ProgressText {
    /// A bar of `width` cells, `#` for the done fraction and `-` for the rest: `[######------]`.
    static func bar(fraction: Double, width: Int) -> String {
        let filled = min(width, max(0, Int((fraction * Double(width)).rounded(.down))))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    /// `45s`, `3m07s` or `2h05m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
    }
}
