import Foundation
import Search

/// Trials as CSV (RFC 4180): id, state, origin, seed, attempt, epoch, workers, best validation value, then one
/// column per parameter (`param:NAME`) and per final or newest metric (`metric:NAME`), names in sorted order.
public enum TrialCSV {
    public static func render(_ status: StudyStatus) -> String {
        let params = Set(status.trials.flatMap(\.params.values.keys)).sorted()
        let metrics = Set(status.trials.flatMap(\.metrics.keys)).sorted()
        var header = ["id", "state", "origin", "seed", "attempt", "epoch", "workers", "best_validation"]
        header += params.map { "param:\($0)" } + metrics.map { "metric:\($0)" }
        var lines = [header.map(Self.field).joined(separator: ",")]
        for trial in status.trials {
            var fields = [
                "\(trial.id)", trial.state.rawValue, trial.origin.rawValue, "\(trial.seed)", "\(trial.attempt)",
                "\(trial.epoch)",
                trial.workers.joined(separator: " "), trial.bestValidation.map { "\($0)" } ?? "",
            ]
            fields += params.map { trial.params.values[$0].map(Self.value) ?? "" }
            fields += metrics.map { trial.metrics[$0].map { "\($0)" } ?? "" }
            lines.append(fields.map(Self.field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A parameter at full precision.
    private static func value(_ value: ParameterValue) -> String {
        switch value {
        case .double(let value): "\(value)"
        default: HTMLText.parameter(value)
        }
    }

    /// Quotes a field holding a comma, quote or line break, doubling its quotes.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
