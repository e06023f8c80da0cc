import ClusterCore
import Foundation
import GRDB

/// The study's own state.
public enum StudyState: String, Sendable, Codable {
    /// A coordinator is (or was, until it crashed) working on it.
    case running = "RUNNING"
    /// The budget is used up.
    case finished = "FINISHED"
    /// Stopped by an operator (`mixrec stop`); a restart continues it.
    case stopped = "STOPPED"
}

/// The study row: its configuration (with a hash to detect changes on restart), seed, budget and state.
public struct StudyRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "study"
    var id: Int = 1
    public var name: String
    /// The study configuration as canonical JSON.
    public var configJSON: String
    /// CRC-32C of `configJSON` in hex: a quick change check (the diff uses `configJSON` itself).
    public var configHash: String
    public var seed: Int64
    public var budget: Int
    public var state: StudyState
    public var createdAt: Date

    public init(name: String, configJSON: String, seed: Int64, budget: Int, state: StudyState, createdAt: Date) {
        self.name = name
        self.configJSON = configJSON
        self.configHash = Self.hash(of: configJSON)
        self.seed = seed
        self.budget = budget
        self.state = state
        self.createdAt = createdAt
    }

    /// The hash stored beside a configuration.
    public static func hash(of configJSON: String) -> String {
        let value = CRC32C.checksum(Array(configJSON.utf8))
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// A worker as last seen by the coordinator (for `mixrec status`).
public struct StoredWorker: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "worker"
    public var id: String
    public var incarnation: Int64
    public var host: String
    public var cores: Int
    public var status: WorkerStatus
    public var busy: Bool
    public var lastSeen: Date

    public init(
        id: String, incarnation: Int64, host: String, cores: Int, status: WorkerStatus, busy: Bool, lastSeen: Date
    ) {
        self.id = id
        self.incarnation = incarnation
        self.host = host
        self.cores = cores
        self.status = status
        self.busy = busy
        self.lastSeen = lastSeen
    }
}

/// One line of the study's event log.
public struct StudyEvent: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var at: Date
    /// A short machine-readable kind: `trial.assigned`, `worker.lost`, `checkpoint.corrupt`, …
    public var kind: String
    public var trialID: Int64?
    public var workerID: String?
    public var message: String

    public init(at: Date, kind: String, trialID: Int64? = nil, workerID: String? = nil, message: String) {
        self.at = at
        self.kind = kind
        self.trialID = trialID
        self.workerID = workerID
        self.message = message
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        self.id = inserted.rowID
    }
}

/// A stored checkpoint file: where it is (relative to the study directory), its size and checksum.
public struct CheckpointRecord: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "checkpoint"
    public var id: Int64?
    public var trialID: Int64
    public var attempt: Int
    /// Completed epochs the parameters are the state after.
    public var epoch: Int
    /// Relative to the study directory.
    public var path: String
    public var byteLength: Int64
    public var crc32c: Int64
    /// Set when a read found the file missing or its checksum wrong.
    public var corrupt: Bool
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        self.id = inserted.rowID
    }
}
