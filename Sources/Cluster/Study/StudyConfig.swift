import ConfigKit
import Foundation
import Search

/// A study as `configs/*.yaml` describes it (see `configs/README.md`, "Study configs"): budget, groups,
/// heartbeats, retries, the search file (space, direction, optimizer, pruner) and what trials train.
public struct StudyConfig: Sendable {
    public var name = "study"
    /// `study.seed`, `study.trial_seeds`, `study.seeds` and `study.reseed_best`.
    public var seeding = TrialSeeding()
    /// Trials to finish (COMPLETE, PRUNED or FAILED).
    public var budget = 6
    /// Epochs every trial trains for.
    public var epochs = Self.defaultEpochs
    /// `study.epochs` when the config does not say.
    public static let defaultEpochs = 4
    /// Workers per trial.
    public var groupSize = 1
    /// Failed attempts after which a trial is FAILED.
    public var retryCap = 3
    /// `study.max_checkpoint_mib` in bytes: the largest checkpoint a worker may upload, and so the largest frame the
    /// coordinator's socket accepts from anyone (`WireLimits.maxBlobBytes`).
    public var maxCheckpointBytes = WireLimits.defaultMaxBlobBytes
    /// `study.max_checkpoint_mib`'s range: up to 4 GiB.
    public static let maxCheckpointMiB = 1...4096
    /// `study.allreduce.wire`: how data-parallel groups carry gradient sums on their ring.
    public var allReduceWire = AllReduceWire.float32
    /// `study.share_warm_start`: whether trials share warm starts (for MixRec: an equal collaborative warm start from
    /// their worker's cache, by every trial's `train.cf_pretrain.reuse`).
    public var sharesWarmStart = true
    /// The search parameters trials' shared warm start depends on (for MixRec, the collaborative warm start's): trials
    /// that differ in one cannot share a warm start, so a study that shares them refuses such a space (empty for
    /// synthetic studies).
    public var warmStartParameters: [String] = []
    public var membership = MembershipSettings()
    /// `heartbeat.trial_deadline`: how long rank 0 of a running trial may make no progress (nil: no deadline).
    public var trialDeadline: Duration? = SchedulerSettings.defaultTrialDeadline
    /// The search space, direction, optimizer and pruner settings, read from `search.space` (a Search file,
    /// relative to the study config).
    public var search: SearchConfig
    /// The kind of trial the study runs (`objective.kind`).
    public var kind: any TrialKind
    /// What trials train: a synthetic function, or MixRec with the training config `objective.config`.
    public var task: TrialTask
    /// The validation metric trials report every epoch and the optimizer and pruner read.
    public var metric: String
    /// Every leaf of the study config, its search file (under `search.space.`) and its kind's extra lines (for MixRec,
    /// its training config under `objective.config.`), one `path = value` per line: stored with the study.
    public var canonicalText: String

    /// Reads and checks a study config, its search file and its objective, whose `objective.kind` must be one of
    /// `kinds` (for MixRec, the kind reads and checks the training config too).
    /// - Throws: `ConfigError` naming the key for unknown keys and bad values (an unknown kind names the known
    ///   ones), `SearchError` for a bad search file, or `StudyConfigError` when the parts do not fit together.
    public init(contentsOf path: String, kinds: TrialKinds = .builtIn) throws {
        let document = try ConfigDocument(contentsOf: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let root = document.root
        let study = try root.section("study")
        self.name = try study.string("name", default: self.name)
        self.seeding = try Self.seeding(study)
        self.budget = try study.int("budget", default: self.budget, min: 1, max: 100_000)
        self.epochs = try study.int("epochs", default: self.epochs, min: 1, max: 10_000)
        self.groupSize = try study.int("group_size", default: self.groupSize, min: 1, max: 1024)
        self.retryCap = try study.int("retry_cap", default: self.retryCap, min: 1, max: 100)
        self.sharesWarmStart = try study.bool("share_warm_start", default: self.sharesWarmStart)
        let checkpointMiB = try study.int(
            "max_checkpoint_mib", default: self.maxCheckpointBytes >> 20, min: Self.maxCheckpointMiB.lowerBound,
            max: Self.maxCheckpointMiB.upperBound)
        self.maxCheckpointBytes = checkpointMiB << 20
        self.allReduceWire = try study.section("allreduce").choice("wire", default: self.allReduceWire)
        let heartbeat = try root.section("heartbeat")
        self.membership = try Self.membership(heartbeat)
        self.trialDeadline = try Self.trialDeadline(heartbeat, interval: self.membership.heartbeatInterval)
        let spacePath = Self.resolve(try root.section("search").string("space"), in: folder)
        self.search = try SearchConfig(contentsOf: spacePath)
        let objective = try root.section("objective")
        let name = try objective.string("kind", default: SyntheticTrialKind.name, allowed: kinds.names)
        guard let kind = kinds[name] else { preconditionFailure("'\(name)' passed as one of \(kinds.names)") }
        let read = try kind.objective(
            objective,
            study: StudyObjectiveContext(
                folder: folder, search: self.search, seed: self.seeding.base, sharesWarmStart: self.sharesWarmStart))
        self.kind = kind
        self.task = read.task
        self.metric = read.metric
        self.warmStartParameters = read.warmStartParameters
        if self.sharesWarmStart && !self.warmStartParameters.isEmpty {
            throw ConfigError.invalidValue(
                key: "study.share_warm_start", value: "true",
                allowed: "false when the search space has parameters the collaborative warm start depends on ("
                    + self.warmStartParameters.joined(separator: ", ")
                    + "): trials that differ there cannot share one, so set study.share_warm_start: false to "
                    + "search them (every trial then computes its own)")
        }
        try root.finish()
        // The search file's leaves replace its path, so editing the file (not only renaming it) is a change; the
        // same holds for the files a kind expands (MixRec's training config).
        let replaced = ["search.space = "] + read.expandedKeys.map { "objective.\($0) = " }
        let studyLines = document.value.canonicalLines.filter { line in !replaced.contains { line.hasPrefix($0) } }
        let spaceLines = try ConfigDocument(contentsOf: spacePath).value.canonicalLines.map { "search.space.\($0)" }
        self.canonicalText = (studyLines + spaceLines + read.canonicalLines).sorted().joined(separator: "\n")
    }

    /// Coordinator settings for this study, serving on `bindEndpoint`.
    public func coordinatorSettings(bindEndpoint: String) -> CoordinatorSettings {
        var settings = CoordinatorSettings(budget: self.budget, groupSize: self.groupSize)
        settings.bindEndpoint = bindEndpoint
        settings.studyName = self.name
        settings.studyConfigText = self.canonicalText
        settings.scheduler.seeding = self.seeding
        settings.scheduler.maximizesObjective = self.search.direction == .maximize
        settings.maxEpochs = self.epochs
        settings.scheduler.prunesAtRungs = !self.search.pruner.rungFractions.isEmpty
        settings.task = self.task
        settings.allReduceWire = self.allReduceWire
        settings.membership = self.membership
        settings.scheduler.maxFailedAttempts = self.retryCap
        settings.scheduler.trialDeadline = self.trialDeadline
        settings.scheduler.objectiveMetric = self.metric
        settings.limits.maxBlobBytes = self.maxCheckpointBytes
        settings.warmStartNaming = self.warmStartNaming
        settings.isSafeChange = Self.isSafeChange
        return settings
    }

    /// How the coordinator names a trial's shared warm start: as the study's kind does
    /// (``TrialKind/warmStartNaming(task:epochs:sharesWarmStart:)``); nil when its trials share none.
    public var warmStartNaming: (@Sendable (Trial) -> String?)? {
        self.kind.warmStartNaming(task: self.task, epochs: self.epochs, sharesWarmStart: self.sharesWarmStart)
    }

    /// The Bayesian optimizer over the study's space, seeded by the study.
    public var proposer: BayesianTrialProposer { BayesianTrialProposer(search: self.search, seed: self.seeding.base) }

    /// The search file's pruner.
    public var pruner: SearchTrialPruner { SearchTrialPruner(search: self.search) }

    /// A larger budget, another group size, the replicates' `study.seeds` and `study.reseed_best`, the checkpoint
    /// size limit and any heartbeat timing may change between runs of a study.
    @Sendable public static func isSafeChange(_ change: ConfigChange) -> Bool {
        switch change.path {
        case "study.budget":
            guard let old = change.old.flatMap({ Int($0) }), let new = change.new.flatMap({ Int($0) }) else {
                return false
            }
            return new >= old
        case "study.group_size", "study.seeds", "study.reseed_best", "study.max_checkpoint_mib": return true
        default: return change.path.hasPrefix("heartbeat.")
        }
    }

    // MARK: - Reading a stored study's objective

    /// The metric a stored study ranks trials by (its `objective.metric` line), nil if it has none.
    public static func metric(inCanonicalText text: String) -> String? {
        self.value(of: "objective.metric", inCanonicalText: text)
    }

    /// Whether a stored study maximises its metric (its search file's `direction`, `maximize` by default).
    public static func maximizes(inCanonicalText text: String) -> Bool {
        self.value(of: "search.space.direction", inCanonicalText: text) != Direction.minimize.rawValue
    }

    /// The epochs every trial of a stored study trains for (its `study.epochs` line, else the default).
    public static func epochs(inCanonicalText text: String) -> Int {
        self.value(of: "study.epochs", inCanonicalText: text).flatMap { Int($0) } ?? Self.defaultEpochs
    }

    /// The lines of a stored study starting with `prefix`, with the prefix removed.
    public static func lines(under prefix: String, inCanonicalText text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The value of the line `path = value` of a stored study, nil if it has none.
    public static func value(of path: String, inCanonicalText text: String) -> String? {
        let prefix = "\(path) = "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    // MARK: - Parts

    private static func seeding(_ study: ConfigSection) throws -> TrialSeeding {
        var seeding = TrialSeeding()
        seeding.base = UInt64(try study.int("seed", default: 0, min: 0))
        seeding.mode = try study.choice("trial_seeds", default: seeding.mode)
        seeding.seedsPerConfiguration = try study.int(
            "seeds", default: seeding.seedsPerConfiguration, min: 1, max: TrialSeeding.maxSeeds)
        seeding.reseedBest = try study.int("reseed_best", default: seeding.reseedBest, min: 1, max: 1000)
        return seeding
    }

    private static func membership(_ heartbeat: ConfigSection) throws -> MembershipSettings {
        var membership = MembershipSettings()
        func milliseconds(_ key: String, _ current: Duration) throws -> Duration {
            .milliseconds(try heartbeat.int(key, default: Int(current.wholeMilliseconds), min: 10, max: 3_600_000))
        }
        membership.heartbeatInterval = try milliseconds("interval_ms", membership.heartbeatInterval)
        membership.idleSuspectAfter = try milliseconds("idle_suspect_ms", membership.idleSuspectAfter)
        membership.idleDeadAfter = try milliseconds("idle_dead_ms", membership.idleDeadAfter)
        membership.busySuspectAfter = try milliseconds("busy_suspect_ms", membership.busySuspectAfter)
        membership.busyDeadAfter = try milliseconds("busy_dead_ms", membership.busyDeadAfter)
        guard membership.isConsistent else {
            throw ConfigError.invalidValue(
                key: "heartbeat", value: "\(membership)",
                allowed: "interval < suspect < dead, for idle and busy workers")
        }
        return membership
    }

    /// `heartbeat.trial_deadline` in whole seconds, 0 for none; a deadline must outlast the heartbeat interval, or no
    /// heartbeat could show progress in time.
    private static func trialDeadline(_ heartbeat: ConfigSection, interval: Duration) throws -> Duration? {
        let key = "trial_deadline"
        let standard = Int(SchedulerSettings.defaultTrialDeadline.components.seconds)
        let seconds = try heartbeat.int(key, default: standard, min: 0, max: 7 * 86_400)
        guard seconds > 0 else { return nil }
        guard .seconds(seconds) > interval else {
            throw ConfigError.invalidValue(
                key: heartbeat.keyPath(key), value: "\(seconds)",
                allowed: "0 (no deadline) or a number of seconds longer than heartbeat.interval_ms")
        }
        return .seconds(seconds)
    }

    /// `path` relative to `folder`.
    static func resolve(_ path: String, in folder: URL) -> String {
        URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL.path
    }
}

/// A study config whose parts do not fit together (a search file and an objective that disagree).
public struct StudyConfigError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
