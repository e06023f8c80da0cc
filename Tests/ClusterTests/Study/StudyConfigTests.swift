import Cluster
import ConfigKit
import Foundation
import Testing

@Suite struct StudyConfigTests {
    /// Writes `config` and a two-parameter space next to it; returns the config's path.
    private func write(_ config: String, in directory: StudyDirectory) throws -> String {
        let space = "parameters:\n  x: {low: -5, high: 10}\n  y: {low: 0, high: 15}\n"
        try space.write(to: directory.url.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
        let path = directory.url.appendingPathComponent("study.yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theDemoConfigReadsIntoCoordinatorSettings() throws {
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("configs/demo.yaml")
        let config = try StudyConfig(contentsOf: demo.path)
        let settings = config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000")
        #expect(settings.scheduler.budget == config.budget && settings.maxEpochs == config.epochs)
        #expect(settings.scheduler.objectiveMetric == "valid/score")
        #expect(config.space.ranges.map(\.name) == ["x", "y"])
        #expect(settings.studyConfigText.contains("search.space.parameters.x.high = 10"))
        #expect(!settings.studyConfigText.contains("search.space = "))
        #expect(StudyConfig.metric(inCanonicalText: settings.studyConfigText) == "valid/score")
    }

    @Test func unknownKeysAndBadValuesNameTheKey() throws {
        let directory = try StudyDirectory()
        let typo = try self.write("study: {budgett: 3}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.unknownKey(key: "study.budgett", suggestion: "study.budget")) {
            try StudyConfig(contentsOf: typo)
        }
        let negative = try self.write("study: {budget: -1}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: negative) }
        let pruner = try self.write("pruner: {kind: hyperband}\nsearch: {space: space.yaml}", in: directory)
        let error = #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: pruner) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("pruner.kind"))
        let timing = try self.write(
            "heartbeat: {interval_ms: 500, idle_suspect_ms: 400}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: timing) }
    }

    @Test func onlyALargerBudgetGroupSizeAndHeartbeatsAreSafeChanges() {
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.budget", old: "6", new: "8")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "study.budget", old: "6", new: "4")))
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.group_size", old: "1", new: "2")))
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "heartbeat.busy_dead_ms", old: nil, new: "9000")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "search.space.parameters.x.high", old: "10", new: "12")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "study.seed", old: "1", new: "2")))
    }
}
