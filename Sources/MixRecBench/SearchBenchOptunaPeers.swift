import Foundation

/// Runs `scripts/peers/optuna_search.py` (TPE and GP samplers on every synthetic function) in a background process
/// while the Swift methods run, and collects the median regrets.
struct OptunaPeers {
    private let process: Process
    private let output: URL

    /// Finds a Python with Optuna (`python`, else `python3`, else `.venv-bench/bin/python`, else creates
    /// `.venv-bench` with pip) and starts the peers; `nil` with a message when Optuna is unavailable.
    static func start(python: String?, seeds: Int, evals: Int) -> OptunaPeers? {
        guard let interpreter = Self.findPython(python) else {
            print("Optuna peers skipped: no Python with optuna (and pip install into .venv-bench failed)")
            return nil
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("mixrec-optuna-\(getpid()).jsonl")
        var commands: [String] = []
        for objective in ["branin", "hartmann6", "mixed-synthetic"] {
            for sampler in ["tpe", "gp"] {
                commands.append(
                    "'\(interpreter)' scripts/peers/optuna_search.py --objective \(objective) --sampler \(sampler)"
                        + " --seeds \(seeds) --evals \(evals) >> '\(output.path)'")
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", commands.joined(separator: "; ")]
        do {
            try process.run()
        } catch {
            print("Optuna peers skipped: \(error)")
            return nil
        }
        print("Optuna peers running in the background with \(interpreter) (timings of the Swift runs are noisier)")
        return OptunaPeers(process: process, output: output)
    }

    /// Waits for the peers and returns `"<objective>/<sampler>" → median regret`.
    func wait() -> [String: Double] {
        self.process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: self.output) }
        guard let text = try? String(contentsOf: self.output, encoding: .utf8) else { return [:] }
        return Self.medians(jsonLines: [text])
    }

    /// The medians of peer results saved earlier (the JSON lines of `optuna_search.py`, one or more files).
    /// - Throws: the error of a file that cannot be read.
    static func medians(files: [String]) throws -> [String: Double] {
        let texts = try files.map { try String(contentsOf: URL(fileURLWithPath: $0), encoding: .utf8) }
        let medians = Self.medians(jsonLines: texts)
        print(
            "Optuna peers read from \(files.joined(separator: ", ")): \(medians.keys.sorted().joined(separator: ", "))")
        return medians
    }

    /// `"<objective>/<sampler>" → median regret` over every JSON line of `texts` (other lines are ignored).
    static func medians(jsonLines texts: [String]) -> [String: Double] {
        var regrets: [String: [Double]] = [:]
        for line in texts.flatMap({ $0.split(separator: "\n") }) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let objective = object["objective"] as? String, let sampler = object["sampler"] as? String,
                let regret = object["regret"] as? Double
            else { continue }
            regrets["\(objective)/\(sampler)", default: []].append(regret)
        }
        return regrets.mapValues(SearchBench.median)
    }

    private static func findPython(_ requested: String?) -> String? {
        let candidates = requested.map { [$0] } ?? ["python3", ".venv-bench/bin/python"]
        for candidate in candidates where Self.succeeds(candidate, ["-c", "import optuna"]) { return candidate }
        guard requested == nil else { return nil }
        print("installing optuna into .venv-bench (one-off)")
        let install =
            "python3 -m venv .venv-bench && .venv-bench/bin/pip install -q optuna scipy torch greenlet"
        guard Self.succeeds("/bin/bash", ["-c", install]) else { return nil }
        return Self.succeeds(".venv-bench/bin/python", ["-c", "import optuna"]) ? ".venv-bench/bin/python" : nil
    }

    private static func succeeds(_ executable: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return false
        }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
