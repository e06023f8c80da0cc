import ConfigKit
import Foundation
import Search

/// One kind of trial a study can run, named by its config's `objective.kind`: how the coordinator reads and checks
/// the study's `objective` section for it and names its trials' shared warm starts. Workers train it with a
/// ``TrialRunner`` registered under the same name in their ``TaskTrialRunner``.
///
/// Kinds are registered in a ``TrialKinds`` value (the built-in ``SyntheticTrialKind``, and what the CLI adds).
public protocol TrialKind: Sendable {
    /// The name study configs give it (`objective.kind`) and its tasks carry (`TrialTask.kind`).
    var name: String { get }

    /// Reads the study's `objective` section (every key but `kind`) and checks it against the rest of the study.
    /// - Throws: `ConfigError` naming the key, or `StudyConfigError` when the objective and the search disagree.
    func objective(_ section: ConfigSection, study: StudyObjectiveContext) throws -> StudyObjective

    /// How the coordinator names a trial's shared warm start (``CoordinatorSettings/warmStartNaming``), for a
    /// study of `task` whose trials train `epochs` epochs; nil when its trials share none.
    func warmStartNaming(task: TrialTask, epochs: Int, sharesWarmStart: Bool) -> (@Sendable (Trial) -> String?)?
}

extension TrialKind {
    /// No shared warm starts.
    public func warmStartNaming(task: TrialTask, epochs: Int, sharesWarmStart: Bool) -> (@Sendable (Trial) -> String?)?
    {
        nil
    }
}

/// What a ``TrialKind`` may read of a study besides its `objective` section.
public struct StudyObjectiveContext: Sendable {
    /// The folder of the study config, which relative paths are read from.
    public var folder: URL
    /// The study's search file.
    public var search: SearchConfig
    /// `study.seed`.
    public var seed: UInt64
    /// `study.share_warm_start`.
    public var sharesWarmStart: Bool

    public init(folder: URL, search: SearchConfig, seed: UInt64, sharesWarmStart: Bool) {
        self.folder = folder
        self.search = search
        self.seed = seed
        self.sharesWarmStart = sharesWarmStart
    }

    /// `path` (as a study config writes it) relative to the study config's folder.
    public func resolve(_ path: String) -> String {
        StudyConfig.resolve(path, in: self.folder)
    }
}

/// A study's objective as its ``TrialKind`` reads it.
public struct StudyObjective: Sendable {
    /// What every trial trains.
    public var task: TrialTask
    /// The validation metric trials report every epoch and the optimizer and pruner read.
    public var metric: String
    /// The search parameters trials' shared warm starts depend on (``StudyConfig/warmStartParameters``).
    public var warmStartParameters: [String]
    /// Lines stored with the study beside the study config's own (`objective.config.` lines: a file's leaves).
    public var canonicalLines: [String]
    /// Keys of the `objective` section (such as `config`) whose file's leaves are in `canonicalLines`: their own
    /// line, a path, is not stored.
    public var expandedKeys: [String]

    public init(
        task: TrialTask, metric: String, warmStartParameters: [String] = [], canonicalLines: [String] = [],
        expandedKeys: [String] = []
    ) {
        self.task = task
        self.metric = metric
        self.warmStartParameters = warmStartParameters
        self.canonicalLines = canonicalLines
        self.expandedKeys = expandedKeys
    }
}
