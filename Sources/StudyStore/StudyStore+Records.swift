import ClusterCore
import Foundation
import GRDB

// MARK: - Study, trials, workers, events

extension StudyStore {
    /// Creates or replaces the study row.
    public func saveStudy(_ study: StudyRecord) throws(StudyStoreError) {
        try self.write("save study") { try study.save($0) }
    }

    /// The study row, nil for a new database.
    public func study() throws(StudyStoreError) -> StudyRecord? {
        try self.read("read study") { try StudyRecord.fetchOne($0) }
    }

    /// Inserts or updates trials with their intermediate metrics, in one transaction.
    public func save(_ trials: [Trial]) throws(StudyStoreError) {
        try self.write("save trials") { try Self.insert(trials, into: $0) }
    }

    /// Every trial, in id order, as the scheduler restores them.
    public func trials() throws(StudyStoreError) -> [Trial] {
        let (rows, epochs, studySeed) = try self.read("read trials") { db in
            (
                try TrialRow.order(Column("id")).fetchAll(db),
                try TrialEpochRow.order(Column("trialID"), Column("epoch")).fetchAll(db),
                try StudyRecord.fetchOne(db)?.seed ?? 0
            )
        }
        let epochsByTrial = Dictionary(grouping: epochs, by: \.trialID)
        var trials: [Trial] = []
        trials.reserveCapacity(rows.count)
        for row in rows {
            trials.append(try row.trial(epochs: epochsByTrial[row.id] ?? [], studySeed: studySeed))
        }
        return trials
    }

    /// Inserts or updates a worker's row.
    public func save(_ worker: StoredWorker) throws(StudyStoreError) {
        try self.save([worker])
    }

    /// Inserts or updates workers' rows, in one transaction.
    public func save(_ workers: [StoredWorker]) throws(StudyStoreError) {
        try self.write("save workers") { db in
            for worker in workers { try worker.save(db) }
        }
    }

    /// Every worker ever registered, by id.
    public func workers() throws(StudyStoreError) -> [StoredWorker] {
        try self.read("read workers") { try StoredWorker.order(Column("id")).fetchAll($0) }
    }

    /// Appends an event to the log.
    /// - Returns: the event with its id.
    @discardableResult
    public func log(_ event: StudyEvent) throws(StudyStoreError) -> StudyEvent {
        try self.write("log event") { db in
            var event = event
            try event.insert(db)
            return event
        }
    }

    /// The newest `limit` events (of one trial if given), oldest first.
    public func events(trial: TrialID? = nil, limit: Int = 100) throws(StudyStoreError) -> [StudyEvent] {
        try self.read("read events") { db in
            var request = StudyEvent.order(Column("id").desc).limit(limit)
            if let trial { request = request.filter(Column("trialID") == Int64(trial.rawValue)) }
            return try request.fetchAll(db).reversed()
        }
    }
}
