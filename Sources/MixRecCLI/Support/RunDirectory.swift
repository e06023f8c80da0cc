import ConfigKit
import Foundation
import MixRec

/// The files of one training run: its config, the latest checkpoint, the per-epoch history, the final model and
/// metrics. Every file is replaced atomically, so an interrupted run never leaves a half-written one.
struct RunDirectory {
    let url: URL

    init(_ path: String) {
        self.url = URL(fileURLWithPath: path, isDirectory: true)
    }

    var configFile: URL { self.url.appendingPathComponent("config.yaml") }
    var checkpointFile: URL { self.url.appendingPathComponent("checkpoint.mixrec") }
    var historyFile: URL { self.url.appendingPathComponent("history.json") }
    var modelFile: URL { self.url.appendingPathComponent("model.mixrec") }
    var metricsFile: URL { self.url.appendingPathComponent("metrics.json") }

    /// Creates the folder if needed.
    func create() throws {
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `file` atomically.
    func write(_ bytes: [UInt8], to file: URL) throws {
        try Data(bytes).write(to: file, options: .atomic)
    }

    /// Writes `value` as pretty, key-sorted JSON.
    func writeJSON<Value: Encodable>(_ value: Value, to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try self.write(Array(try encoder.encode(value)), to: file)
    }

    /// The bytes of `file`, or nil when it does not exist.
    func read(_ file: URL) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return Array(try Data(contentsOf: file))
    }

    /// The run's saved config, or nil when the folder holds no run.
    func savedConfig() throws -> MixRecConfig? {
        guard FileManager.default.fileExists(atPath: self.configFile.path) else { return nil }
        return try MixRecConfig(contentsOf: self.configFile.path)
    }
}

/// The `metrics.json` of a finished run: the headline metrics and the run's accounting (``RunAccounting``).
struct RunMetrics: Codable {
    var valid: [String: Double]
    var test: [String: Double]
    /// Test metrics under the other history protocol (see `eval.exclude_history`).
    var testOtherProtocol: [String: Double]
    var excludeHistory: Bool
    var epochs: Int
    var bestEpoch: Int
    var seconds: Double
    var collaborative: [String: [String: Double]]?
    var llm: [String: [String: Double]]?
    var gate: Double?
    var popularity: RunAccounting.PopularityMetrics?
    var cold: RunAccounting.ColdMetrics?

    enum CodingKeys: String, CodingKey {
        case valid, test, epochs, seconds, collaborative, llm, gate, popularity, cold
        case testOtherProtocol = "test_other_protocol"
        case excludeHistory = "exclude_history"
        case bestEpoch = "best_epoch"
    }

    /// The metrics of `result` under the protocol of `excludeHistory`, taking `seconds`.
    init(_ result: TrainingResult, excludeHistory: Bool, seconds: Double) {
        self.valid = result.validation
        self.test = result.test
        self.testOtherProtocol = result.testOtherProtocol
        self.excludeHistory = excludeHistory
        self.epochs = result.epochs
        self.bestEpoch = result.bestEpoch
        self.seconds = seconds
        self.collaborative = result.accounting?.collaborative
        self.llm = result.accounting?.llm
        self.gate = result.accounting?.gate
        self.popularity = result.accounting?.popularity
        self.cold = result.accounting?.cold
    }
}
