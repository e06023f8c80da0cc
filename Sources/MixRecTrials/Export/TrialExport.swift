import Cluster
import ConfigKit
import Foundation
import MixRec
import Search
import Tensor

/// Which trial of a study to export.
public enum TrialChoice: Sendable, Equatable {
    /// The trial with this id.
    case id(UInt64)
    /// The best COMPLETE trial by the study's objective in its direction (the `best` of `mixrec status`).
    case best
}

/// A study's trial as a run folder (`mixrec export`): the trial's full training config (``MixRecTrialConfig``, as
/// its workers trained it) and the parameters its result corresponds to, the best epoch's (`best/NAME`) of its
/// newest stored checkpoint, so `mixrec evaluate` and `mixrec recommend` load it like a `mixrec train` run.
public struct TrialExport: Sendable, Equatable {
    /// The exported trial's id.
    public var trial: UInt64
    /// Its state when exported (COMPLETE for `best`).
    public var state: TrialState
    /// Its searched values.
    public var params: Configuration
    /// Its final metrics, or nil while it has none.
    public var finalMetrics: Metrics?
    /// The epoch whose parameters were exported (0: the warm-started start beat every epoch).
    public var epoch: Int
    /// The epochs the checkpoint had completed.
    public var checkpointEpochs: Int

    /// Exports `choice` of the study in `store` to `directory`: writes its `config.yaml`, then its `model.mixrec`
    /// (other run files of the folder are removed). Without a usable checkpoint it writes only `config.yaml` and
    /// throws ``TrialExportError/noCheckpoint(trial:configFile:retrain:)`` with the command that re-trains it.
    /// - Parameter store: the study, read only (a read-only store is safe beside a running coordinator).
    /// - Throws: ``TrialExportError``.
    public static func export(
        from store: StudyStore, choice: TrialChoice, to directory: RunDirectory
    ) throws(TrialExportError) -> TrialExport {
        guard let record = try Self.checked("read the study", { try store.study() }) else { throw .noStudy }
        let text = record.configJSON
        let stored = try Self.checked("the study's stored training config") {
            try MixRecTrialConfig.base(inCanonicalText: text)
        }
        guard let base = stored else { throw .notMixRec }
        let trial = try Self.select(choice, from: store, studyConfig: text)
        let config = try Self.checked("the training config of trial \(trial.id.rawValue)") {
            try MixRecTrialConfig.make(
                base: base, configuration: trial.params, epochs: StudyConfig.epochs(inCanonicalText: text),
                seed: trial.seed)
        }
        let checkpoint = try Self.checked("read the trial's checkpoint") { try store.loadCheckpoint(trial: trial.id) }
        try Self.checked("write \(directory.configFile.path)") {
            try directory.create()
            for file in [directory.modelFile, directory.checkpointFile, directory.historyFile, directory.metricsFile]
            where FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.removeItem(at: file)
            }
            try directory.write(Array(config.document.yamlText.utf8), to: directory.configFile)
        }
        guard let checkpoint else {
            throw .noCheckpoint(
                trial: trial.id.rawValue, configFile: directory.configFile.path,
                retrain: "mixrec train --config \(directory.configFile.path) --out \(directory.url.path)")
        }
        let model = try Self.bestParameters(in: checkpoint.parameters, trial: trial.id.rawValue)
        try Self.checked("write \(directory.modelFile.path)") {
            try directory.write(model.parameters, to: directory.modelFile)
        }
        return TrialExport(
            trial: trial.id.rawValue, state: trial.state, params: trial.params, finalMetrics: trial.finalMetrics,
            epoch: model.epoch, checkpointEpochs: model.epochs)
    }

    /// The trial `choice` names; `best` ranks as `mixrec status` does (``StudyStatus``).
    private static func select(
        _ choice: TrialChoice, from store: StudyStore, studyConfig text: String
    ) throws(TrialExportError) -> Trial {
        let id: UInt64
        switch choice {
        case .id(let wanted): id = wanted
        case .best:
            let objective = StudyConfig.metric(inCanonicalText: text) ?? MixRecTrialConfig.objectiveMetric
            let status = try Self.checked("rank the study's trials") {
                try StudyStatus.load(
                    from: store, objective: objective, maximize: StudyConfig.maximizes(inCanonicalText: text))
            }
            guard let best = status.best else { throw .noCompleteTrial(objective: objective) }
            id = best.id
        }
        let trials = try Self.checked("read the study's trials") { try store.trials() }
        guard let trial = trials.first(where: { $0.id.rawValue == id }) else { throw .noSuchTrial(id) }
        return trial
    }

    /// The model a finished run would keep from a training checkpoint (`docs/formats.md`): its `best/NAME`
    /// entries as `NAME`, else (no best epoch recorded) its `param/NAME` entries; with the epoch they are from and
    /// the epochs completed.
    private static func bestParameters(
        in checkpoint: [UInt8], trial: UInt64
    ) throws(TrialExportError) -> (parameters: [UInt8], epoch: Int, epochs: Int) {
        let entries: [String: Tensor]
        do { entries = try ParameterFile.decode(checkpoint) } catch {
            throw .badCheckpoint(trial: trial, reason: "\(error)")
        }
        guard let progress = entries["progress"]?.scalars, progress.count > 3 else {
            throw .badCheckpoint(trial: trial, reason: "it holds no training progress (not a MixRec checkpoint)")
        }
        let hasBest = entries.keys.contains { $0.hasPrefix("best/") }
        let prefix = hasBest ? "best/" : "param/"
        var parameters: [String: Tensor] = [:]
        for (name, value) in entries where name.hasPrefix(prefix) {
            parameters[String(name.dropFirst(prefix.count))] = value
        }
        guard !parameters.isEmpty else {
            throw .badCheckpoint(trial: trial, reason: "it holds no model parameters")
        }
        let epochs = Int(progress[0])
        return (ParameterFile.encode(parameters), hasBest ? Int(progress[3]) : epochs, epochs)
    }

    /// Runs `body`, reporting a failure as ``TrialExportError/failed(_:)`` that says what it was doing.
    private static func checked<T>(_ what: String, _ body: () throws -> T) throws(TrialExportError) -> T {
        do { return try body() } catch { throw .failed("\(what): \(error)") }
    }
}
