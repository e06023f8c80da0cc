import Foundation
import GRDB

/// A worker's throughput as the coordinator last computed it from the worker's heartbeats.
public struct WorkerThroughputRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "workerThroughput"
    public var workerID: String
    /// Optimizer steps the worker process has taken (all its runs).
    public var stepsTotal: Int64
    /// Steps per second over the last measuring window; nil until two heartbeats far enough apart arrived.
    public var stepRate: Double?
    /// Gradient bytes the worker has summed with its group peers.
    public var allReduceBytes: Int64
    /// Seconds the worker has spent in all-reduce rounds.
    public var allReduceSeconds: Double
    public var updatedAt: Date

    public init(
        workerID: String, stepsTotal: Int64, stepRate: Double?, allReduceBytes: Int64, allReduceSeconds: Double,
        updatedAt: Date
    ) {
        self.workerID = workerID
        self.stepsTotal = stepsTotal
        self.stepRate = stepRate
        self.allReduceBytes = allReduceBytes
        self.allReduceSeconds = allReduceSeconds
        self.updatedAt = updatedAt
    }
}

/// One of the coordinator's message counters: `name` (`received`, `sent`, `rejected`) and `label` (the message
/// kind, or the error code of a rejection), totalled over every run of the study's coordinator.
public struct CoordinatorCounterRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "coordinatorCounter"
    public var name: String
    public var label: String
    public var value: Int64

    public init(name: String, label: String, value: Int64) {
        self.name = name
        self.label = label
        self.value = value
    }
}

// MARK: - Throughput and message counters

extension StudyStore {
    /// Inserts or updates a worker's throughput.
    public func save(_ throughput: WorkerThroughputRecord) throws(StudyStoreError) {
        try self.write("save worker throughput") { try throughput.save($0) }
    }

    /// Every worker's throughput, by worker id.
    public func workerThroughput() throws(StudyStoreError) -> [WorkerThroughputRecord] {
        try self.read("read worker throughput") {
            try WorkerThroughputRecord.order(Column("workerID")).fetchAll($0)
        }
    }

    /// Stores counter values (replacing the stored ones of the same name and label), in one transaction.
    public func save(_ counters: [CoordinatorCounterRecord]) throws(StudyStoreError) {
        try self.write("save counters") { db in
            for counter in counters { try counter.save(db) }
        }
    }

    /// Stores counter values, worker rows and throughput samples, in one transaction.
    public func saveTelemetry(
        counters: [CoordinatorCounterRecord], workers: [StoredWorker], throughput: [WorkerThroughputRecord]
    ) throws(StudyStoreError) {
        try self.write("save telemetry") { db in
            for counter in counters { try counter.save(db) }
            for worker in workers { try worker.save(db) }
            for sample in throughput { try sample.save(db) }
        }
    }

    /// Every stored counter, by name then label.
    public func coordinatorCounters() throws(StudyStoreError) -> [CoordinatorCounterRecord] {
        try self.read("read counters") {
            try CoordinatorCounterRecord.order(Column("name"), Column("label")).fetchAll($0)
        }
    }
}
