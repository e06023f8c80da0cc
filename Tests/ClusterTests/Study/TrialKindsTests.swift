import ConfigKit
import Foundation
import Search
import Testing

@testable import Cluster

/// The trial kinds a study config may name (`objective.kind`), registered in a `TrialKinds` value, and the worker's
/// runners registered under the same names.
@Suite struct TrialKindsTests {
    /// A kind defined by the test: Branin trials whose metric and extra stored lines come from the objective section
    /// (`metric`, and the file `notes` expanded into `objective.notes.` lines), and whose warm starts are named by
    /// seed.
    struct NotedKind: TrialKind {
        var name: String { "noted" }

        func objective(_ section: ConfigSection, study: StudyObjectiveContext) throws -> StudyObjective {
            let notes = try String(contentsOfFile: study.resolve(try section.string("notes")), encoding: .utf8)
            return StudyObjective(
                task: .synthetic(.branin), metric: try section.string("metric"),
                canonicalLines: notes.split(separator: "\n").map { "objective.notes.\($0)" }, expandedKeys: ["notes"])
        }

        func warmStartNaming(task: TrialTask, epochs: Int, sharesWarmStart: Bool) -> (@Sendable (Trial) -> String?)? {
            guard sharesWarmStart else { return nil }
            return { trial in "seed-\(trial.seed)-of-\(epochs)" }
        }
    }

    /// Writes the Branin search file and `config` as `study.yaml` in `directory`; returns the config's path.
    private func write(_ config: String, in directory: StudyDirectory) throws -> String {
        let space = """
            direction: minimize
            parameters:
              - {name: x1, type: float, low: -5, high: 10}
              - {name: x2, type: float, low: 0, high: 15}
            """
        try space.write(to: directory.url.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
        let path = directory.url.appendingPathComponent("study.yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anUnknownKindIsRefusedNamingItAndTheKnownKinds() throws {
        let directory = try StudyDirectory()
        let mixrec = try self.write("search: {space: space.yaml}\nobjective: {kind: mixrec}", in: directory)
        let builtIn = #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: mixrec) }
        #expect(
            builtIn?.description
                == "config key 'objective.kind': 'mixrec' is not allowed; expected one of synthetic")
        let other = try self.write("search: {space: space.yaml}\nobjective: {kind: other}", in: directory)
        let registered = #expect(throws: ConfigError.self) {
            try StudyConfig(contentsOf: other, kinds: TrialKinds.builtIn.adding(NotedKind()))
        }
        #expect(registered?.description.hasSuffix("'other' is not allowed; expected one of synthetic, noted") == true)
    }

    @Test func aRegisteredKindReadsItsObjectiveAndNamesWarmStarts() throws {
        let directory = try StudyDirectory()
        try "a = 1\nb = 2".write(
            to: directory.url.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let path = try self.write(
            "study: {epochs: 3}\nsearch: {space: space.yaml}\n"
                + "objective: {kind: noted, notes: notes.txt, metric: valid/noted}",
            in: directory)
        let config = try StudyConfig(contentsOf: path, kinds: TrialKinds.builtIn.adding(NotedKind()))
        #expect(config.kind.name == "noted" && config.task == .synthetic(.branin) && config.metric == "valid/noted")
        let lines = config.canonicalText.split(separator: "\n")
        #expect(lines.contains("objective.notes.a = 1") && lines.contains("objective.notes.b = 2"))
        #expect(!lines.contains { $0.hasPrefix("objective.notes = ") }, "the file's lines replace its path")
        let naming = try #require(config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").warmStartNaming)
        #expect(naming(Trial(id: TrialID(1), params: Configuration(), origin: .proposed, seed: 5)) == "seed-5-of-3")
        #expect(
            try StudyConfig(contentsOf: self.write("search: {space: space.yaml}", in: directory)).warmStartNaming
                == nil, "synthetic trials share no warm starts")
    }

    @Test func aLaterKindReplacesOneOfTheSameName() {
        let kinds = TrialKinds.builtIn.adding(NotedKind()).adding(SyntheticTrialKind())
        #expect(kinds.names == ["noted", "synthetic"])
        #expect(kinds["noted"] != nil && kinds["mixrec"] == nil)
    }

    /// Reports the epoch count it was asked for as its metric.
    struct EpochsRunner: TrialRunner {
        func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
            .finished(["valid/epochs": Double(job.maxEpochs)], epochs: job.maxEpochs)
        }
    }

    @Test func theWorkersRunnerTrainsEachTaskWithItsKindsRunner() throws {
        let job = TrialJob(
            trial: 1, attempt: 1, group: 1, rank: 0, worldSize: 1, peers: [], task: .synthetic(.branin),
            configuration: Configuration(["x1": .double(1), "x2": .double(2)]), maxEpochs: 3, seed: 7, resume: nil)
        let context = TrialRunContext(job: job, outbox: WorkerOutbox())
        let runner = TaskTrialRunner([SyntheticTrialKind.name: EpochsRunner()])
        #expect(try runner.run(job, context: context) == .finished(["valid/epochs": 3], epochs: 3))
        var other = job
        other.task = .config(kind: "quantum", baseConfig: "qubits: 4\n", overrides: [])
        #expect(
            throws: TrialRunError("this worker cannot train quantum trials (it trains synthetic)", retryable: false)
        ) { try runner.run(other, context: TrialRunContext(job: other, outbox: WorkerOutbox())) }
    }
}
