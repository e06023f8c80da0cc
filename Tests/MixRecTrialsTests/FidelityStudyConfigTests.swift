import Cluster
import Foundation
import MixRec
import MixRecTrials
import Search
import TestKit
import Testing

/// A study whose search file prunes at rungs (`pruner.fidelity: steps`): its trials are told where to validate.
@Suite struct FidelityStudyConfigTests {
    private static let space = """
        pruner: {kind: asha, warmup_trials: 0, reduction_factor: 2, fidelity: steps, min_fraction: 0.25}
        parameters:
          - {name: train.lr, type: float, low: 1.0e-4, high: 1.0e-2, log: true}
        """

    private func write(_ config: String, space: String, in folder: ScratchFolder) throws -> String {
        try folder.write("space.yaml", space)
        try folder.write("train.yaml", "train: {epochs: 9}\n")
        try folder.write("study.yaml", config)
        return folder.path("study.yaml")
    }

    @Test func aMixRecStudyValidatesItsTrialsAtTheRungsAndPrunesThere() throws {
        let directory = try ScratchFolder()
        let path = try self.write(
            "search: {space: space.yaml}\nobjective: {kind: mixrec, config: train.yaml}", space: Self.space,
            in: directory)
        let config = try StudyConfig(contentsOf: path, kinds: MixRecStudyConfigTests.kinds)
        guard case .config(MixRecTrialKind.name, let base, let overrides) = config.task else {
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
        let directory = try ScratchFolder()
        let epochs = Self.space.replacingOccurrences(of: ", fidelity: steps, min_fraction: 0.25", with: "")
        let path = try self.write(
            "search: {space: space.yaml}\nobjective: {kind: mixrec, config: train.yaml}", space: epochs, in: directory)
        let config = try StudyConfig(contentsOf: path, kinds: MixRecStudyConfigTests.kinds)
        guard case .config(MixRecTrialKind.name, _, let overrides) = config.task else { return }
        #expect(!overrides.contains { $0.hasPrefix("train.rungs") })
        #expect(!config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").scheduler.prunesAtRungs)
    }
}
