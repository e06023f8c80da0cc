import Foundation

/// A finished run loaded back from its folder (``RunDirectory``): its config, data and model with the saved
/// parameters, what `mixrec evaluate` and `mixrec recommend` work on.
public struct TrainedRun {
    /// The run's config, overrides included.
    public let config: MixRecConfig
    /// The model holding the run's saved parameters.
    public let model: MixRecModel
    /// The run's dataset, split and item text.
    public let data: RecommendationData

    /// Loads the run in `folder`.
    /// - Parameters:
    ///   - overrides: `key=value` assignments over the saved config (e.g. `data.path=DIR`).
    ///   - workspace: loads the backbone and the data.
    /// - Throws: ``RunFolderError`` when the folder holds no finished run, config errors for bad overrides,
    ///   `WorkspaceError` or data errors when the backbone or data cannot be read, and
    ///   ``TrainingError/badCheckpoint(_:)`` when the parameters do not fit the model.
    public init(folder: String, overrides: [String], workspace: MixRecWorkspace) throws {
        let directory = RunDirectory(folder)
        guard FileManager.default.fileExists(atPath: directory.configFile.path) else {
            throw RunFolderError.noRun(folder: folder)
        }
        guard let parameters = try directory.read(directory.modelFile) else {
            throw RunFolderError.unfinished(folder: folder)
        }
        self.config = try MixRecConfig(contentsOf: directory.configFile.path, overrides: overrides)
        (self.model, self.data) = try workspace.model(for: self.config)
        try self.model.loadParameters(parameters)
    }
}

/// Why a folder cannot be loaded as a finished run.
public enum RunFolderError: Error, Equatable, CustomStringConvertible {
    /// The folder has no `config.yaml`.
    case noRun(folder: String)
    /// The folder has a config but no `model.mixrec` yet.
    case unfinished(folder: String)

    public var description: String {
        switch self {
        case .noRun(let folder):
            "\(folder) holds no run (no config.yaml); train one with `mixrec train --out \(folder)`"
        case .unfinished(let folder): "\(folder) has no model.mixrec yet: the run has not finished"
        }
    }
}
