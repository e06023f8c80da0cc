import ArgumentParser
import Foundation
import Search

/// `mixrec search`: a Bayesian-optimisation search on a synthetic objective, in one process (no cluster).
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Run a local Bayesian-optimisation search on a synthetic objective and print every trial."
    )

    @Option(help: "The search-space YAML file (e.g. configs/search-branin.yaml).")
    var space: String

    @Option(help: "The objective: \(SyntheticObjective.allCases.map(\.rawValue).joined(separator: ", ")).")
    var objective: String

    @Option(help: "The number of trials.")
    var trials: Int = 30

    @Option(help: "The search seed.")
    var seed: UInt64 = 0

    @Option(help: "Configurations proposed together per round (parallel workers).")
    var batch: Int = 1

    @Flag(help: "Print the optimizer's diagnostics (degradations it handled).")
    var verbose = false

    func validate() throws {
        guard SyntheticObjective(rawValue: self.objective) != nil else {
            throw ValidationError("unknown --objective '\(self.objective)'")
        }
        if self.trials < 1 { throw ValidationError("--trials must be at least 1, got \(self.trials)") }
        if self.batch < 1 { throw ValidationError("--batch must be at least 1, got \(self.batch)") }
    }

    func run() throws {
        guard let objective = SyntheticObjective(rawValue: self.objective) else { return }
        let config: SearchConfig
        do {
            config = try SearchConfig(contentsOf: self.space)
        } catch {
            throw ValidationError("\(self.space): \(error)")
        }
        for parameter in objective.space.parameters where config.space.parameter(named: parameter.name) == nil {
            throw ValidationError("\(self.space) lacks parameter '\(parameter.name)' that \(objective.rawValue) needs")
        }
        let search = LocalSearch(optimizer: BayesianOptimizer(config: config), seed: self.seed)
        let verbose = self.verbose
        let history = try search.run(trials: self.trials, batch: self.batch) { configuration in
            try objective.evaluate(configuration)
        } report: { trial in
            print(
                "trial \(trial.number)  value \(Self.format(trial.value))  [\(trial.source.rawValue)]  \(trial.configuration)"
            )
        } log: { diagnostic in
            if verbose { print("  note: \(diagnostic)") }
        }
        let direction = config.direction
        guard let best = history.min(by: { direction.isBetter($0.value, than: $1.value) }) else { return }
        print("best: trial \(best.number)  value \(Self.format(best.value))  \(best.configuration)")
        if direction == .minimize {
            print("simple regret: \(Self.format(best.value - objective.optimum))  (optimum \(objective.optimum))")
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.6g", value) }
}
