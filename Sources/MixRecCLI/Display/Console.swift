import Foundation
import MixRec

/// Status lines on standard error (results go to standard output).
enum Console {
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// The metrics of a run as a small table: the headline rows, then the accounting's (the collaborative model and
/// the LLM side alone, targets by popularity, cold targets) where the run has them.
enum MetricsTable {
    static func render(_ metrics: RunMetrics) -> String {
        let names = ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20"]
        let other = metrics.excludeHistory ? "test (history kept)" : "test (history excluded)"
        var rows: [(String, [String: Double]?)] = [
            ("valid", metrics.valid), (metrics.excludeHistory ? "test" : "test (history kept)", metrics.test),
            (other, metrics.testOtherProtocol),
        ]
        for stage in ["valid", "test"] {
            rows.append(("collaborative alone, \(stage)", metrics.collaborative?[stage]))
            rows.append(("LLM side alone, \(stage)", metrics.llm?[stage]))
            rows.append(("text match alone, \(stage)", metrics.text?[stage]))
            rows.append(("uncalibrated, \(stage)", metrics.uncalibrated?[stage]))
            rows.append(("collab. calibrated, \(stage)", metrics.calibratedCollaborative?[stage]))
        }
        for bucket in ["head", "tail"] {
            rows.append(("test, \(bucket) targets", metrics.popularity?.test["joint"]?[bucket]))
        }
        if let cold = metrics.cold {
            rows += [
                ("cold targets, valid", cold.valid), ("cold targets, test", cold.test),
                ("cold, collaborative test", cold.collaborative?["test"]), ("cold, LLM side test", cold.llm?["test"]),
                ("cold, text match test", cold.text?["test"]), ("cold, uncalibrated test", cold.uncalibrated?["test"]),
                ("cold, collab. calibrated test", cold.calibratedCollaborative?["test"]),
                ("cold, popularity test", cold.popularity?["test"]), ("cold, text kNN test", cold.textKNN?["test"]),
            ]
        }
        var lines = ["split".padding(toLength: 28, withPad: " ", startingAt: 0) + names.map { pad($0) }.joined()]
        for (label, values) in rows {
            guard let values, !values.isEmpty else { continue }
            lines.append(
                label.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + names.map { pad(String(format: "%.4f", values[$0] ?? 0)) }.joined())
        }
        if let gate = metrics.gate { lines.append(String(format: "gate of the LLM side's scores %.4f", gate)) }
        if let gate = metrics.textGate { lines.append(String(format: "weight of the text match %.4f", gate)) }
        if let fit = metrics.calibration {
            lines.append(
                "calibration (fitted on validation, in the test rows): \(fit.calibration); validation NDCG@10 "
                    + String(format: "%.4f → %.4f over %d candidates", fit.validBefore, fit.validAfter, fit.candidates))
            lines.append("calibration rule: " + Self.describe(fit))
        }
        if let collaborative = metrics.calibration?.collaborative {
            lines.append("the collaborative scores' own calibration (a baseline): \(collaborative)")
        }
        lines.append(
            "epochs \(metrics.epochs) (best \(metrics.bestEpoch)), \(String(format: "%.0f", metrics.seconds)) s")
        return lines.joined(separator: "\n")
    }

    /// Which rule chose the calibration, with the validation NDCG@10 of warm and cold cases it traded.
    static func describe(_ fit: CalibrationFit) -> String {
        func groups(_ key: String) -> String {
            guard let values = fit.validGroups?[key] else { return "" }
            return String(format: " (validation warm %.4f", values.warm)
                + (values.cold.map { String(format: ", cold %.4f)", $0) } ?? ")")
        }
        switch fit.rule {
        case .warmAllowance:
            let allCases = fit.allCases.map { "\($0)" } ?? "?"
            return String(format: "the best cold cases within %.3g of the warm cases' NDCG@10", fit.warmAllowance ?? 0)
                + " (eval.unseen_warm_allowance)" + groups(CalibrationFit.afterKey)
                + "; the best over all cases: \(allCases)" + groups(CalibrationFit.allCasesKey)
        case .allCases, nil: return "the best over all cases" + groups(CalibrationFit.afterKey)
        }
    }

    private static func pad(_ text: String) -> String {
        text.padding(toLength: 10, withPad: " ", startingAt: 0)
    }
}
