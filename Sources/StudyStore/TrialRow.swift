import ClusterCore
import Foundation
import GRDB
import Search

/// How a `Trial` is stored: scalars as columns, collections as JSON text. Intermediate metrics live in
/// `TrialEpochRow`s, one per epoch.
struct TrialRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "trial"
    var id: Int64
    var paramsJSON: String
    var origin: String
    /// The trial's seed, its bits as a signed SQLite integer; nil when read from a database that has not applied
    /// `v4-trial-seed` (a read-only store does not migrate).
    var seed: Int64?
    var state: String
    var attempt: Int
    var failedAttempts: Int
    var groupID: Int64?
    var workersJSON: String
    var checkpointEpoch: Int?
    var finalMetricsJSON: String?
    var failureReasonsJSON: String
    var seconds: Double

    init(_ trial: Trial) {
        self.id = Int64(trial.id.rawValue)
        self.paramsJSON = trial.params.canonicalJSON
        self.origin = trial.origin.rawValue
        self.seed = Int64(bitPattern: trial.seed)
        self.state = trial.state.rawValue
        self.attempt = trial.attempt
        self.failedAttempts = trial.failedAttempts
        self.groupID = trial.group.map { Int64($0.rawValue) }
        self.workersJSON = JSONText.encode(trial.workers.map(\.rawValue))
        self.checkpointEpoch = trial.checkpointEpoch
        self.finalMetricsJSON = trial.finalMetrics.map(JSONText.encode)
        self.failureReasonsJSON = JSONText.encode(trial.failureReasons)
        self.seconds = trial.seconds
    }

    /// Rebuilds the trial with its epochs. Without a seed column the trial trained with `studySeed` plus its id,
    /// the rule `v4-trial-seed` fills the column with.
    func trial(epochs: [TrialEpochRow], studySeed: Int64) throws(StudyStoreError) -> Trial {
        let key = "\(self.id)"
        guard let origin = TrialOrigin(rawValue: self.origin), let state = TrialState(rawValue: self.state) else {
            throw .corruptRow(table: "trial", key: key, message: "unknown origin \(self.origin) or state \(self.state)")
        }
        let params: Search.Configuration
        do {
            params = try Search.Configuration(json: self.paramsJSON)
        } catch {
            throw .corruptRow(table: "trial", key: key, message: "paramsJSON: \(error)")
        }
        var trial = Trial(
            id: TrialID(UInt64(self.id)), params: params, origin: origin,
            seed: UInt64(bitPattern: self.seed ?? studySeed &+ self.id))
        trial.state = state
        trial.attempt = self.attempt
        trial.failedAttempts = self.failedAttempts
        trial.group = self.groupID.map { GroupID(UInt64($0)) }
        trial.workers = try JSONText.decode([String].self, self.workersJSON, table: "trial", key: key).map {
            WorkerID($0)
        }
        trial.checkpointEpoch = self.checkpointEpoch
        if let json = self.finalMetricsJSON {
            trial.finalMetrics = try JSONText.decode(Metrics.self, json, table: "trial", key: key)
        }
        trial.failureReasons = try JSONText.decode([String].self, self.failureReasonsJSON, table: "trial", key: key)
        trial.seconds = self.seconds
        for row in epochs {
            trial.intermediate[row.epoch] = try JSONText.decode(
                Metrics.self, row.metricsJSON, table: "trialEpoch", key: "\(row.trialID)/\(row.epoch)")
        }
        return trial
    }
}

/// One epoch's intermediate metrics of a trial.
struct TrialEpochRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "trialEpoch"
    var trialID: Int64
    var epoch: Int
    var metricsJSON: String
}

/// JSON text columns: written canonically, decoding failures reported as corrupt rows.
enum JSONText {
    static func encode<Value: Encodable>(_ value: Value) -> String {
        CanonicalJSON.encode(value)
    }

    static func decode<Value: Decodable>(
        _ type: Value.Type, _ text: String, table: String, key: String
    ) throws(StudyStoreError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw .corruptRow(table: table, key: key, message: "\(error)")
        }
    }
}
