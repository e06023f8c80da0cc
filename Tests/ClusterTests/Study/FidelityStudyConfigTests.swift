import Cluster
import Foundation
import MixRec
import Search
import Testing

/// A study whose search file prunes at rungs (`pruner.fidelity: steps`): its trials are told where to validate.
@Suite struct FidelityStudyConfigTests {
    private static let space = """
        pruner: {kind: asha, warmup_trials: 0, reduction_factor: 2, fidelity: steps, min_fraction: 0.25}
        parameters:
          - {name: train.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}
        """

    private func write(_ config: String, space: String, in directory: StudyDirectory) throws -> String {
        try space.write(to: directory.url.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
        try "train: {epochs: 9}\n".write(
            to: directory.url.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let path = directory.url.appendingPathComponent("study.yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aMixRecStudyValidatesItsTrialsAtTheRungsAndPrunesThere() throws {
        let directory = try StudyDirectory()
        let path = try self.write(
            "search: {space: space.yaml}\nobjective: {kind: mixrec, config: train.yaml}", space: Self.space,
            in: directory)
        let config = try StudyConfig(contentsOf: path)
        guard case .mixrec(let base, let overrides) = config.task else {
            Issue.record("expected a MixRec task, got \(config.task)")
            return
        }
        #expect(overrides.last == "train.rungs=[0.25, 0.5]")
        let trial = try MixRecTrialConfig.make(
            baseConfig: base, overrides: overrides, configuration: Configuration(["train.lr": .double(0.001)]))
        #expect(trial.training.rungs == [0.25, 0.5])
        #expect(config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").scheduler.prunesAtRungs)
        #expect(try StudyConfig.searchConfig(inCanonicalText: config.canonicalText) == config.search)
    }

    @Test func epochPrunersLeaveTrialsWithoutRungs() throws {
        let directory = try StudyDirectory()
        let epochs = Self.space.replacingOccurrences(of: ", fidelity: steps, min_fraction: 0.25", with: "")
        let path = try self.write(
            "search: {space: space.yaml}\nobjective: {kind: mixrec, config: train.yaml}", space: epochs, in: directory)
        let config = try StudyConfig(contentsOf: path)
        guard case .mixrec(_, let overrides) = config.task else { return }
        #expect(!overrides.contains { $0.hasPrefix("train.rungs") })
        #expect(!config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").scheduler.prunesAtRungs)
    }

    @Test func aSyntheticStudyRefusesRungs() throws {
        let directory = try StudyDirectory()
        let space = """
            direction: minimize
            pruner: {kind: asha, fidelity: steps}
            parameters:
              - {name: x1, type: float, low: -5, high: 10}
              - {name: x2, type: float, low: 0, high: 15}
            """
        let path = try self.write("search: {space: space.yaml}", space: space, in: directory)
        let error = #expect(throws: StudyConfigError.self) { try StudyConfig(contentsOf: path) }
        #expect(error?.description.contains("fidelity: steps needs objective.kind: mixrec") == true)
    }
}
