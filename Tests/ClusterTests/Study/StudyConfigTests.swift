import Cluster
import ConfigKit
import Foundation
import Search
import Testing

@Suite struct StudyConfigTests {
    private static let branin = """
        direction: minimize
        pruner: {kind: asha, warmup_trials: 2, min_resource: 1, reduction_factor: 2}
        parameters:
          - {name: x1, type: float, low: -5, high: 10}
          - {name: x2, type: float, low: 0, high: 15}
        """

    /// Writes `config` and the search file `space` next to it; returns the config's path.
    private func write(_ config: String, space: String = Self.branin, in directory: StudyDirectory) throws -> String {
        try space.write(to: directory.url.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
        let path = directory.url.appendingPathComponent("study.yaml").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static var configs: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("configs")
    }

    @Test func theDemoConfigReadsIntoCoordinatorSettings() throws {
        let config = try StudyConfig(contentsOf: Self.configs.appendingPathComponent("demo.yaml").path)
        let settings = config.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000")
        #expect(settings.scheduler.budget == config.budget && settings.maxEpochs == config.epochs)
        #expect(settings.scheduler.objectiveMetric == "valid/score")
        #expect(settings.task == .synthetic(.branin))
        #expect(config.search.space.parameters.map(\.name) == ["x1", "x2"])
        #expect(config.search.direction == .minimize)
        guard case .median = config.pruner.settings else {
            Issue.record("the demo prunes with the median rule, got \(config.pruner.settings)")
            return
        }
        #expect(settings.studyConfigText.contains("search.space.parameters[0].high = 10"))
        #expect(!settings.studyConfigText.contains("search.space = "))
        #expect(StudyConfig.metric(inCanonicalText: settings.studyConfigText) == "valid/score")
        #expect(!StudyConfig.maximizes(inCanonicalText: settings.studyConfigText))
        #expect(StudyConfig.maximizes(inCanonicalText: "objective.metric = valid/ndcg@10"), "maximize by default")
    }

    @Test func unknownKeysBadValuesAndMismatchedPartsAreRefused() throws {
        let directory = try StudyDirectory()
        let typo = try self.write("study: {budgett: 3}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.unknownKey(key: "study.budgett", suggestion: "study.budget")) {
            try StudyConfig(contentsOf: typo)
        }
        let negative = try self.write("study: {budget: -1}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: negative) }
        let timing = try self.write(
            "heartbeat: {interval_ms: 500, idle_suspect_ms: 400}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: timing) }
        let pruner = try self.write(
            "search: {space: space.yaml}",
            space: Self.branin.replacingOccurrences(of: "kind: asha", with: "kind: hyperband"), in: directory)
        #expect(throws: SearchError.self) { try StudyConfig(contentsOf: pruner) }

        let maximised = try self.write(
            "search: {space: space.yaml}", space: Self.branin.replacingOccurrences(of: "minimize", with: "maximize"),
            in: directory)
        let direction = #expect(throws: StudyConfigError.self) { try StudyConfig(contentsOf: maximised) }
        #expect(direction?.description.contains("direction: minimize") == true)
        let hartmann = try self.write("search: {space: space.yaml}\nobjective: {function: hartmann6}", in: directory)
        let missing = #expect(throws: StudyConfigError.self) { try StudyConfig(contentsOf: hartmann) }
        #expect(missing?.description.contains("x3, x4, x5, x6") == true, "\(missing.map { "\($0)" } ?? "")")
    }

    @Test func theAllReduceWireFormatIsReadCheckedAndSent() throws {
        let directory = try StudyDirectory()
        let plain = try StudyConfig(contentsOf: try self.write("search: {space: space.yaml}", in: directory))
        #expect(plain.allReduceWire == .float32)
        let bfloat16 = try StudyConfig(
            contentsOf: try self.write(
                "study: {allreduce: {wire: bfloat16}}\nsearch: {space: space.yaml}", in: directory))
        #expect(bfloat16.allReduceWire == .bfloat16)
        #expect(bfloat16.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").allReduceWire == .bfloat16)
        let half = try self.write("study: {allreduce: {wire: float16}}\nsearch: {space: space.yaml}", in: directory)
        let refused = #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: half) }
        #expect(refused.map { "\($0)" }?.contains("study.allreduce.wire") == true)
        let typo = try self.write("study: {allreduce: {wires: bfloat16}}\nsearch: {space: space.yaml}", in: directory)
        #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: typo) }
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

    @Test func trialSeedsAreSharedByDefaultAndTheSeedKeysAreChecked() throws {
        let directory = try StudyDirectory()
        let plain = try StudyConfig(
            contentsOf: try self.write("study: {seed: 9}\nsearch: {space: space.yaml}", in: directory))
        let defaults = plain.coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").scheduler
        #expect(defaults.seeding.base == 9 && defaults.seeding.mode == .shared)
        #expect(defaults.seeding.seedsPerConfiguration == 1 && defaults.seeding.reseedBest == 3)
        #expect(!defaults.maximizesObjective, "the Branin space minimises")
        let keys = "study: {seed: 9, trial_seeds: per_trial, seeds: 3, reseed_best: 2}\nsearch: {space: space.yaml}"
        let seeding = try StudyConfig(contentsOf: try self.write(keys, in: directory)).seeding
        #expect(seeding.mode == .perTrial && seeding.seedsPerConfiguration == 3 && seeding.reseedBest == 2)
        for (key, value) in [("trial_seeds", "each"), ("seeds", "0"), ("seeds", "101"), ("reseed_best", "0")] {
            let bad = try self.write("study: {\(key): \(value)}\nsearch: {space: space.yaml}", in: directory)
            let error = #expect(throws: ConfigError.self) { try StudyConfig(contentsOf: bad) }
            #expect(error?.description.contains("study.\(key)") == true, "\(error.map { "\($0)" } ?? "")")
        }
    }

    @Test func theTrialDeadlineIsAnHourByDefaultOffAtZeroAndLongerThanAHeartbeat() throws {
        let directory = try StudyDirectory()
        func deadline(_ heartbeat: String) throws -> Duration? {
            let path = try self.write("heartbeat: {\(heartbeat)}\nsearch: {space: space.yaml}", in: directory)
            return try StudyConfig(contentsOf: path).coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000")
                .scheduler.trialDeadline
        }
        #expect(try deadline("") == .seconds(3600))
        #expect(try deadline("trial_deadline: 90") == .seconds(90))
        #expect(try deadline("trial_deadline: 0") == nil)
        for bad in ["trial_deadline: -1", "trial_deadline: 1.5", "trial_deadline: 1, interval_ms: 1500"] {
            let error = #expect(throws: ConfigError.self) { try deadline(bad) }
            #expect(error?.description.contains("heartbeat.trial_deadline") == true, "\(error.map { "\($0)" } ?? "")")
        }
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "heartbeat.trial_deadline", old: nil, new: "600")))
    }

    @Test func theCheckpointLimitIsSetInMiBAndBoundsTheCoordinatorsFrames() throws {
        let directory = try StudyDirectory()
        func limits(_ study: String) throws -> WireLimits {
            let path = try self.write("study: {\(study)}\nsearch: {space: space.yaml}", in: directory)
            return try StudyConfig(contentsOf: path).coordinatorSettings(bindEndpoint: "tcp://127.0.0.1:6000").limits
        }
        #expect(try limits("").maxBlobBytes == 512 << 20)
        #expect(try limits("max_checkpoint_mib: 64").maxBlobBytes == 64 << 20)
        #expect(try limits("max_checkpoint_mib: 64").maxFrameBytes == 64 << 20, "the socket's ZMQ_MAXMSGSIZE")
        for bad in ["0", "4097", "1.5", "big"] {
            let error = #expect(throws: ConfigError.self) { try limits("max_checkpoint_mib: \(bad)") }
            #expect(error?.description.contains("study.max_checkpoint_mib") == true, "\(bad)")
        }
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.max_checkpoint_mib", old: "512", new: "1024")))
    }

    @Test func onlyALargerBudgetGroupSizeSeedsAndHeartbeatsAreSafeChanges() {
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.budget", old: "6", new: "8")))
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.seeds", old: "1", new: "3")))
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.reseed_best", old: "3", new: "5")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "study.trial_seeds", old: "shared", new: "per_trial")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "study.budget", old: "6", new: "4")))
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "study.group_size", old: "1", new: "2")))
        #expect(StudyConfig.isSafeChange(ConfigChange(path: "heartbeat.busy_dead_ms", old: nil, new: "9000")))
        #expect(
            !StudyConfig.isSafeChange(ConfigChange(path: "search.space.parameters[0].high", old: "10", new: "12")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "objective.config.train.lr", old: "0.1", new: "0.2")))
        #expect(!StudyConfig.isSafeChange(ConfigChange(path: "study.seed", old: "1", new: "2")))
    }

    /// A stored study's search file reads back equal to the file, for every search file shipped.
    @Test(arguments: [
        "demo-space.yaml", "demo-mixrec-space.yaml", "mixrec-space.yaml", "search-branin.yaml",
        "search-hartmann6.yaml", "search-mixed-synthetic.yaml", "expert-plan-space.yaml",
    ])
    func theStoredSearchFileReadsBack(_ name: String) throws {
        try Self.expectStoredSearchFileReadsBack(Self.configs.appendingPathComponent(name).path)
    }

    /// Canonical lines drop the file's quotes: names and choices that look like booleans, numbers or null stay text.
    @Test func storedChoicesThatLookLikeOtherTypesReadBackAsText() throws {
        let directory = try StudyDirectory()
        let path = directory.url.appendingPathComponent("space.yaml").path
        try """
        direction: minimize
        optimizer: {initial_trials: 3}
        parameters:
          - {name: "007", type: categorical, choices: ["on", "1.50", "null", "true", 4, "x: y"]}
          - {name: rate, type: float, low: 1.0e-4, high: 1, log: true, when: {parameter: "007", in: ["on"]}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        try Self.expectStoredSearchFileReadsBack(path)
        #expect(try StudyConfig.searchConfig(inCanonicalText: "study.name = x") == nil)
    }

    /// Stores the search file at `path` as a study stores it and expects it to read back equal.
    private static func expectStoredSearchFileReadsBack(_ path: String) throws {
        let lines = try ConfigDocument(contentsOf: path).value.canonicalLines.map { "search.space.\($0)" }
        let text = (["objective.kind = synthetic", "study.name = x"] + lines).sorted().joined(separator: "\n")
        #expect(try StudyConfig.searchConfig(inCanonicalText: text) == SearchConfig(contentsOf: path))
    }
}
