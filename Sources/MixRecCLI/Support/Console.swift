import Foundation
import MixRec

/// Status lines on standard error (results go to standard output).
enum Console {
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// The metrics of a run as a small table.
enum MetricsTable {
    static func render(_ metrics: RunMetrics) -> String {
        let names = ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20"]
        let other = metrics.excludeHistory ? "test (history kept)" : "test (history excluded)"
        var lines = ["split".padding(toLength: 24, withPad: " ", startingAt: 0) + names.map { pad($0) }.joined()]
        for (label, values) in [
            ("valid", metrics.valid), (metrics.excludeHistory ? "test" : "test (history kept)", metrics.test),
            (other, metrics.testOtherProtocol),
        ] {
            lines.append(
                label.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + names.map { pad(String(format: "%.4f", values[$0] ?? 0)) }.joined())
        }
        lines.append(
            "epochs \(metrics.epochs) (best \(metrics.bestEpoch)), \(String(format: "%.0f", metrics.seconds)) s")
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String) -> String {
        text.padding(toLength: 10, withPad: " ", startingAt: 0)
    }
}
