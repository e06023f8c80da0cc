import ConfigKit
import Foundation

/// A study as `configs/*.yaml` describes it (see `configs/README.md`, "Study configs"): budget, groups,
/// heartbeats, retries, pruner, the search space file and the objective.
public struct StudyConfig: Sendable, Equatable {
    /// How running trials are stopped early.
    public enum PrunerKind: String, Sendable, CaseIterable {
        case none
        case median
    }

    public var name = "study"
    public var seed: UInt64 = 0
    /// Trials to finish (COMPLETE, PRUNED or FAILED).
    public var budget = 6
    /// Epochs every trial trains for.
    public var epochs = 4
    /// Workers per trial.
    public var groupSize = 1
    /// Failed attempts after which a trial is FAILED.
    public var retryCap = 3
    public var membership = MembershipSettings()
    public var pruner = PrunerKind.none
    /// Trials that must have reported an epoch before the median rule compares against them.
    public var prunerWarmupTrials = 3
    /// Epochs a trial trains before it can be pruned.
    public var prunerWarmupEpochs = 1
    /// The search space, read from `search.space` (a path relative to the config file).
    public var space: SearchSpaceFile
    /// Which synthetic function trials evaluate.
    public var objective = SyntheticFunction.branin
    /// The metric trials report and the optimizer maximizes.
    public var metric = SyntheticTrialRunner.metric
    /// Every leaf of the study config and its space file, one `path = value` per line: stored with the study.
    public var canonicalText: String

    /// Reads and checks a study config and its space file.
    /// - Throws: `ConfigError` naming the key for unknown keys and bad values, or a file that cannot be read.
    public init(contentsOf path: String) throws {
        let document = try ConfigDocument(contentsOf: path)
        let root = document.root
        let study = try root.section("study")
        self.name = try study.string("name", default: self.name)
        self.seed = UInt64(try study.int("seed", default: 0, min: 0))
        self.budget = try study.int("budget", default: self.budget, min: 1, max: 100_000)
        self.epochs = try study.int("epochs", default: self.epochs, min: 1, max: 10_000)
        self.groupSize = try study.int("group_size", default: self.groupSize, min: 1, max: 1024)
        self.retryCap = try study.int("retry_cap", default: self.retryCap, min: 1, max: 100)
        let heartbeat = try root.section("heartbeat")
        func milliseconds(_ key: String, _ current: Duration) throws -> Duration {
            .milliseconds(try heartbeat.int(key, default: Int(current.wholeMilliseconds), min: 10, max: 3_600_000))
        }
        self.membership.heartbeatInterval = try milliseconds("interval_ms", self.membership.heartbeatInterval)
        self.membership.idleSuspectAfter = try milliseconds("idle_suspect_ms", self.membership.idleSuspectAfter)
        self.membership.idleDeadAfter = try milliseconds("idle_dead_ms", self.membership.idleDeadAfter)
        self.membership.busySuspectAfter = try milliseconds("busy_suspect_ms", self.membership.busySuspectAfter)
        self.membership.busyDeadAfter = try milliseconds("busy_dead_ms", self.membership.busyDeadAfter)
        guard self.membership.isConsistent else {
            throw ConfigError.invalidValue(
                key: "heartbeat", value: "\(self.membership)",
                allowed: "interval < suspect < dead, for idle and busy workers")
        }
        let pruner = try root.section("pruner")
        self.pruner = try pruner.choice("kind", default: PrunerKind.none)
        self.prunerWarmupTrials = try pruner.int("warmup_trials", default: self.prunerWarmupTrials, min: 1)
        self.prunerWarmupEpochs = try pruner.int("warmup_epochs", default: self.prunerWarmupEpochs, min: 1)
        let search = try root.section("search")
        let spacePath = try search.string("space")
        let objective = try root.section("objective")
        _ = try objective.string("kind", default: "synthetic", allowed: ["synthetic"])
        self.objective = try objective.choice("function", default: SyntheticFunction.branin)
        self.metric = try objective.string("metric", default: self.metric, allowed: [SyntheticTrialRunner.metric])
        try root.finish()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let spaceURL = URL(fileURLWithPath: spacePath, relativeTo: folder).standardizedFileURL
        let spaceDocument = try ConfigDocument(contentsOf: spaceURL.path)
        self.space = try SearchSpaceFile(spaceDocument.root)
        try self.objective.check(self.space)
        // The space's leaves replace the path, so editing the space file (not only renaming it) is a change.
        let studyLines = document.value.canonicalLines.filter { !$0.hasPrefix("search.space = ") }
        let spaceLines = spaceDocument.value.canonicalLines.map { "search.space.\($0)" }
        self.canonicalText = (studyLines + spaceLines).sorted().joined(separator: "\n")
    }

    /// Coordinator settings for this study, serving on `bindEndpoint`.
    public func coordinatorSettings(bindEndpoint: String) -> CoordinatorSettings {
        var settings = CoordinatorSettings(budget: self.budget, groupSize: self.groupSize)
        settings.bindEndpoint = bindEndpoint
        settings.studyName = self.name
        settings.studyConfigText = self.canonicalText
        settings.seed = self.seed
        settings.maxEpochs = self.epochs
        settings.membership = self.membership
        settings.scheduler.maxFailedAttempts = self.retryCap
        settings.scheduler.objectiveMetric = self.metric
        settings.isSafeChange = Self.isSafeChange
        return settings
    }

    /// A larger budget, another group size and any heartbeat timing may change between runs of a study.
    @Sendable public static func isSafeChange(_ change: ConfigChange) -> Bool {
        switch change.path {
        case "study.budget":
            guard let old = change.old.flatMap({ Int($0) }), let new = change.new.flatMap({ Int($0) }) else {
                return false
            }
            return new >= old
        case "study.group_size": return true
        default: return change.path.hasPrefix("heartbeat.")
        }
    }

    /// The metric a stored study ranks trials by (its `objective.metric` line), nil if it has none.
    public static func metric(inCanonicalText text: String) -> String? {
        let prefix = "objective.metric = "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}
