import ArgumentParser
import Foundation
import Search
import Tensor

/// `mixrec-bench search`: median final simple regret of the Bayesian optimizer (batch 1 and 4) against random
/// search and, when Optuna is available, Optuna's TPE and GP samplers, on Branin, Hartmann-6 and the 10-parameter
/// mixed function; plus the time of one proposal with 200 observations in a 12-parameter space (median wall and CPU
/// time of several proposals: on a shared machine the CPU time is the stable number).
struct SearchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Bayesian optimisation vs random search and Optuna (TPE, GP) on synthetic functions."
    )

    @Option(help: "Seeds per method and function.")
    var seeds = 20

    @Option(help: "Evaluations per search.")
    var evals = 30

    @Flag(help: "Skip the Optuna peers.")
    var noPeers = false

    @Option(
        help: "The Python interpreter for the Optuna peers (default: python3 if it imports optuna, else .venv-bench).")
    var python: String?

    @Option(
        help: ArgumentHelp(
            "JSON lines written by scripts/peers/optuna_search.py, used instead of running the peers (repeatable).",
            valueName: "file"))
    var peerResults: [String] = []

    @Option(help: "Proposals timed with 200 observations.")
    var timingRuns = 5

    func validate() throws {
        if self.seeds < 1 || self.evals < 2 { throw ValidationError("need --seeds >= 1 and --evals >= 2") }
        if self.timingRuns < 1 { throw ValidationError("need --timing-runs >= 1") }
    }

    func run() throws {
        // The GP's matrices (≤ a few hundred rows) gain nothing from BLAS threads, and spinning threads suffer badly
        // on a shared machine; the coordinator runs the optimizer the same way.
        BLASRuntime.setThreads(1)
        print("openblas kernel \(BLASRuntime.coreName), threads \(BLASRuntime.threads)")
        let timing = try Self.timeProposal(runs: self.timingRuns)
        print(
            String(
                format:
                    "proposal with 200 observations, 12 parameters: median wall %.3f s, median CPU %.3f s (%d runs)",
                timing.wall, timing.cpu, self.timingRuns))
        var peerMedians: [String: Double] = [:]
        var peers: OptunaPeers?
        if !self.peerResults.isEmpty {
            peerMedians = try OptunaPeers.medians(files: self.peerResults)
        } else if !self.noPeers {
            peers = OptunaPeers.start(python: self.python, seeds: self.seeds, evals: self.evals)
        }
        var rows: [(SyntheticObjective, [String: Double])] = []
        for objective in SyntheticObjective.allCases {
            var medians: [String: Double] = [:]
            medians["random"] = try Self.median(
                (0..<self.seeds).map { seed in try Self.randomRegret(objective, seed: UInt64(seed), evals: self.evals) }
            )
            for batch in [1, 4] {
                let start = Date()
                let regrets = try (0..<self.seeds).map { seed in
                    try Self.bayesianRegret(objective, seed: UInt64(seed), evals: self.evals, batch: batch)
                }
                medians["bo q=\(batch)"] = Self.median(regrets)
                let perRun = Date().timeIntervalSince(start) / Double(self.seeds)
                print(
                    "\(objective.rawValue) bo q=\(batch): median regret \(Self.format(Self.median(regrets))), \(String(format: "%.2f", perRun)) s per search"
                )
            }
            rows.append((objective, medians))
        }
        if let peers { peerMedians = peers.wait() }
        Self.printTable(rows: rows, peers: peerMedians, seeds: self.seeds, evals: self.evals)
    }

    // MARK: - Methods

    static func bayesianRegret(_ objective: SyntheticObjective, seed: UInt64, evals: Int, batch: Int) throws -> Double {
        let optimizer = BayesianOptimizer(space: objective.space, direction: .minimize)
        let trials = try LocalSearch(optimizer: optimizer, seed: seed).run(trials: evals, batch: batch) {
            try objective.evaluate($0)
        }
        return (trials.map(\.value).min() ?? .infinity) - objective.optimum
    }

    static func randomRegret(_ objective: SyntheticObjective, seed: UInt64, evals: Int) throws -> Double {
        let configurations = RandomSearch(space: objective.space).propose(count: evals, seed: seed, trialIndex: 0)
        var best = Double.infinity
        for configuration in configurations { best = min(best, try objective.evaluate(configuration)) }
        return best - objective.optimum
    }

    /// Times `propose` with 200 random observations in a 12-parameter conditional MixRec-like space: the median
    /// wall-clock and process CPU time over `runs` proposals (different seeds).
    static func timeProposal(runs: Int) throws -> (wall: Double, cpu: Double) {
        let space = try Self.twelveParameterSpace()
        let observations = RandomSearch(space: space).propose(count: 200, seed: 99, trialIndex: 0).map {
            Observation(configuration: $0, value: Self.pseudoObjective($0))
        }
        let optimizer = BayesianOptimizer(space: space, direction: .maximize)
        var wall: [Double] = []
        var cpu: [Double] = []
        for seed in 0..<runs {
            let start = Date()
            let cpuStart = Self.processCPUTime()
            _ = try optimizer.propose(count: 1, seed: UInt64(seed), observations: observations)
            cpu.append(Self.processCPUTime() - cpuStart)
            wall.append(Date().timeIntervalSince(start))
        }
        return (Self.median(wall), Self.median(cpu))
    }

    /// CPU seconds used by this process so far.
    static func processCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func twelveParameterSpace() throws -> SearchSpace {
        var parameters = [
            Parameter(name: "learning_rate", domain: .float(low: 1e-5, high: 3e-3, log: true)),
            Parameter(name: "loss_weight", domain: .float(low: 1e-4, high: 1e-1, log: true)),
        ]
        let experts = ["none", "lora", "bottleneck", "parallel", "scaling"]
        for group in 0..<2 {
            let parent = "group\(group).experts"
            parameters += [
                Parameter(name: parent, domain: .categorical(experts)),
                Parameter(
                    name: "group\(group).num_experts", domain: .int(low: 1, high: 8, log: false),
                    condition: Condition(parent: parent, values: Array(experts.dropFirst()))),
                Parameter(
                    name: "group\(group).top_k", domain: .int(low: 1, high: 4, log: false),
                    condition: Condition(parent: parent, values: Array(experts.dropFirst()))),
                Parameter(
                    name: "group\(group).lora_rank", domain: .int(low: 2, high: 64, log: true),
                    condition: Condition(parent: parent, values: ["lora"])),
                Parameter(
                    name: "group\(group).bottleneck_width", domain: .int(low: 8, high: 256, log: true),
                    condition: Condition(parent: parent, values: ["bottleneck", "parallel"])),
            ]
        }
        return try SearchSpace(parameters: parameters)
    }

    /// A smooth, deterministic stand-in for NDCG over the timing space.
    static func pseudoObjective(_ configuration: Configuration) -> Double {
        var value = 0.0
        for name in configuration.values.keys.sorted() {
            guard let parameterValue = configuration[name] else { continue }
            if let number = parameterValue.number {
                value += sin(3 * log(1 + abs(number)))
            } else {
                value += 0.1 * Double(parameterValue.description.count)
            }
        }
        return value
    }

    // MARK: - Output

    static func printTable(
        rows: [(SyntheticObjective, [String: Double])], peers: [String: Double], seeds: Int, evals: Int
    ) {
        print("\nmedian final simple regret, \(evals) evaluations x \(seeds) seeds (lower is better)")
        print(
            "| function | random | BO q=1 | BO q=4 | Optuna TPE | Optuna GP | random / BO q=1 | best Optuna / BO q=1 |")
        print("|---|---|---|---|---|---|---|---|")
        for (objective, medians) in rows {
            let tpe = peers["\(objective.rawValue)/tpe"]
            let gp = peers["\(objective.rawValue)/gp"]
            let bo = medians["bo q=1"] ?? .nan
            let bestPeer = [tpe, gp].compactMap { $0 }.min()
            let cells = [
                Self.format(medians["random"] ?? .nan), Self.format(bo), Self.format(medians["bo q=4"] ?? .nan),
                tpe.map(Self.format) ?? "n/a", gp.map(Self.format) ?? "n/a",
                String(format: "%.1fx", (medians["random"] ?? .nan) / bo),
                bestPeer.map { String(format: "%.2fx", $0 / bo) } ?? "n/a",
            ]
            print("| \(objective.rawValue) | " + cells.joined(separator: " | ") + " |")
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}
