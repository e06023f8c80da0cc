import Foundation
import Search

// MARK: - The readable table of `mixrec status`

extension StudyStatus {
    /// The study's state, a row per trial, the best trial and the workers, as aligned text.
    public func table() -> String {
        var lines: [String] = []
        if let study = self.study {
            lines.append("study \(study.name): \(study.state.rawValue), \(self.progress)")
        }
        let header = ["id", "state", "seed", "attempt", "params", "workers", "epoch", "fidelity", "best"]
        let rows = self.trials.map { trial in
            [
                "\(trial.id)", trial.state.rawValue, "\(trial.seed)", "\(trial.attempt)", Self.short(trial.params),
                trial.workers.joined(separator: ","), "\(trial.epoch)", trial.fidelity.map(Self.number) ?? "-",
                trial.bestValidation.map(Self.number) ?? "-",
            ]
        }
        lines += Self.aligned([header] + rows)
        if let best = self.best {
            let metrics = best.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.number($0.value))" }
            lines.append("best: trial \(best.id) \(Self.short(best.params)) \(metrics.joined(separator: " "))")
        } else {
            lines.append("best: none yet")
        }
        let workers = self.workers.map { "\($0.id) \($0.status.rawValue)\($0.busy ? " busy" : "")" }
        lines.append("workers: " + (workers.isEmpty ? "none" : workers.joined(separator: "; ")))
        return lines.joined(separator: "\n")
    }

    /// `4 of 6 trials done`, then `, 2 of 4 replicates done` when the study has replicates (they are not counted in
    /// the budget).
    public var progress: String {
        let replicates = self.trials.filter { $0.origin == .replicate }
        let budgetDone = self.trials.count { $0.origin != .replicate && $0.state.isTerminal }
        var text = "\(budgetDone) of \(self.budget) trials done"
        if !replicates.isEmpty {
            text += ", \(replicates.count { $0.state.isTerminal }) of \(replicates.count) replicates done"
        }
        return text
    }

    /// `x=3.14 y=2.27`, in name order, numbers to 4 significant digits; MixRec expert-group keys lose their
    /// `model.experts.groups.` prefix (`top.types=lora+bottleneck top.experts=4`).
    static func short(_ params: Configuration) -> String {
        params.values.sorted { $0.key < $1.key }.map { name, value in
            let key = name.hasPrefix(Self.groupPrefix) ? String(name.dropFirst(Self.groupPrefix.count)) : name
            return switch value {
            case .int(let number): "\(key)=\(number)"
            case .double(let number): "\(key)=\(Self.number(number))"
            case .string(let text): "\(key)=\(text)"
            }
        }.joined(separator: " ")
    }

    private static let groupPrefix = "model.experts.groups."

    static func number(_ value: Double) -> String {
        String(format: "%.4g", value)
    }

    private static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
    }
}
