import Foundation

/// The files of one training run (`mixrec train --out DIR`, `docs/formats.md`): its config, the latest checkpoint,
/// the per-epoch history, the final model and metrics. Every file is replaced atomically, so an interrupted run
/// never leaves a half-written one.
public struct RunDirectory: Sendable {
    /// The run folder.
    public let url: URL

    /// The run folder at `path` (not created).
    public init(_ path: String) {
        self.url = URL(fileURLWithPath: path, isDirectory: true)
    }

    /// `config.yaml`: the run's config with every override applied.
    public var configFile: URL { self.url.appendingPathComponent("config.yaml") }
    /// `checkpoint.mixrec`: the training state after the last completed epoch.
    public var checkpointFile: URL { self.url.appendingPathComponent("checkpoint.mixrec") }
    /// `history.json`: one summary per completed epoch.
    public var historyFile: URL { self.url.appendingPathComponent("history.json") }
    /// `model.mixrec`: the best epoch's trainable parameters, what evaluation and recommendations load.
    public var modelFile: URL { self.url.appendingPathComponent("model.mixrec") }
    /// `metrics.json`: the finished run's metrics.
    public var metricsFile: URL { self.url.appendingPathComponent("metrics.json") }

    /// Creates the folder if needed.
    public func create() throws {
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `file` atomically.
    public func write(_ bytes: [UInt8], to file: URL) throws {
        try Data(bytes).write(to: file, options: .atomic)
    }

    /// Writes `value` as pretty, key-sorted JSON.
    public func writeJSON<Value: Encodable>(_ value: Value, to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try self.write(Array(try encoder.encode(value)), to: file)
    }

    /// The bytes of `file`, or nil when it does not exist.
    public func read(_ file: URL) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return Array(try Data(contentsOf: file))
    }

    /// The run's saved config, or nil when the folder holds no run.
    public func savedConfig() throws -> MixRecConfig? {
        guard FileManager.default.fileExists(atPath: self.configFile.path) else { return nil }
        return try MixRecConfig(contentsOf: self.configFile.path)
    }
}
