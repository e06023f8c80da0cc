import Cluster
import Foundation

/// A study directory with a config, a coordinator process on a free port and worker processes.
final class LocalStudy {
    let directory: StudyDirectory
    let port = MixRecBinary.freePort()
    var endpoint: String { "tcp://127.0.0.1:\(self.port)" }
    var configPath: String { self.directory.url.appendingPathComponent("study.yaml").path }
    var coordinator: MixRecProcess?
    var workers: [String: MixRecProcess] = [:]

    /// Writes the study config `config` and its other files (name → text) into a new study directory.
    init(config: String, files: [String: String]) throws {
        self.directory = try StudyDirectory()
        for (name, text) in files {
            try text.write(to: self.directory.url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try config.write(toFile: self.configPath, atomically: true, encoding: .utf8)
    }

    /// Writes the study config (`budget` trials of `epochs` epochs on groups of `groupSize`, fast heartbeats) and its
    /// search file (Branin, with optimizer settings small enough for a debug build).
    convenience init(budget: Int, epochs: Int, groupSize: Int = 1, xHigh: Double = 10) throws {
        let config = """
            study: {name: process-test, seed: 3, budget: \(budget), epochs: \(epochs), group_size: \(groupSize), retry_cap: 3}
            heartbeat: {interval_ms: 100, idle_suspect_ms: 400, idle_dead_ms: 800, busy_suspect_ms: 400, \
            busy_dead_ms: 800}
            search: {space: space.yaml}
            objective: {kind: synthetic, function: branin, metric: valid/score}
            """
        try self.init(config: config, files: [:])
        try self.writeSpace(xHigh: xHigh)
    }

    func writeSpace(xHigh: Double) throws {
        let space = """
            direction: minimize
            optimizer: {initial_trials: 3, candidates: 128, local_starts: 1, local_steps: 4, restarts: 1, \
            fit_iterations: 15}
            parameters:
              - {name: x1, type: float, low: -5, high: \(xHigh)}
              - {name: x2, type: float, low: 0, high: 15}
            """
        try space.write(to: self.directory.url.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
    }

    func log(_ name: String) -> URL { self.directory.url.appendingPathComponent("\(name).log") }

    @discardableResult
    func startCoordinator(log name: String = "coordinator") throws -> MixRecProcess {
        let process = try MixRecProcess(
            [
                "coordinator", "--config", self.configPath, "--study-dir", self.directory.url.path, "--bind",
                self.endpoint, "--log-level", "debug",
            ], log: self.log(name))
        self.coordinator = process
        return process
    }

    /// Starts worker `id` (with `peerEndpoint`, it can join groups of two or more).
    func startWorker(_ id: String, epochSeconds: Double = 0.1, peerEndpoint: String? = nil) throws {
        let peer = peerEndpoint.map { ["--peer-endpoint", $0] } ?? []
        self.workers[id] = try MixRecProcess(
            ["worker", "--connect", self.endpoint, "--id", id, "--threads", "1", "--epoch-seconds", "\(epochSeconds)"]
                + peer, log: self.log(id))
    }

    /// The study as `mixrec status --json` would print it (nil before the coordinator created it).
    func status() -> StudyStatus? {
        guard
            FileManager.default.fileExists(
                atPath: self.directory.url.appendingPathComponent(StudyStore.databaseFileName).path),
            let store = try? StudyStore.openReadOnly(directory: self.directory.url)
        else { return nil }
        let config = (try? store.study())?.configJSON ?? ""
        return try? StudyStatus.load(
            from: store, objective: StudyConfig.metric(inCanonicalText: config) ?? SyntheticTrialRunner.metric,
            maximize: StudyConfig.maximizes(inCanonicalText: config))
    }

    /// Polls the study every 50 ms until `condition` holds; false after `seconds`.
    func wait(seconds: Double, until condition: (StudyStatus) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = self.status(), condition(status) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    func events() throws -> [StudyEvent] {
        try StudyStore.openReadOnly(directory: self.directory.url).events(limit: 10_000)
    }
}
