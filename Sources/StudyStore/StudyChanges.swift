import ClusterCore
import Foundation
import GRDB

/// The store writes of one coordinator state transition (everything one inbound message, timer tick or operator
/// request changed), committed together by `StudyStore.commit(_:)`: all of them or none.
///
/// Checkpoint files are written before the transition is committed (`StudyStore.writeCheckpointFile`); only their
/// records are part of it, so a failed commit leaves an unreferenced file, never a record without its file.
public struct StudyChanges: Sendable, Equatable {
    /// Trials to insert or update with their intermediate metrics, in order (a later copy of a trial wins).
    public var trials: [Trial] = []
    /// Worker rows to insert or update.
    public var workers: [StoredWorker] = []
    /// Records of checkpoint files already written; each replaces the record of its trial and epoch.
    public var checkpoints: [CheckpointRecord] = []
    /// Events to append to the study's log.
    public var events: [StudyEvent] = []
    /// The study's new state, if it changes.
    public var studyState: StudyState?

    /// No writes.
    public init() {}

    /// True when there is nothing to write.
    public var isEmpty: Bool {
        self.trials.isEmpty && self.workers.isEmpty && self.checkpoints.isEmpty && self.events.isEmpty
            && self.studyState == nil
    }
}

extension StudyStore {
    /// Writes every change of one state transition in one transaction.
    /// - Returns: the events with their ids.
    /// - Throws: `StudyStoreError.database` if the transaction fails (then nothing of it is written).
    @discardableResult
    public func commit(_ changes: StudyChanges) throws(StudyStoreError) -> [StudyEvent] {
        guard !changes.isEmpty else { return [] }
        return try self.write("commit a state transition") { db in
            try Self.insert(changes.trials, into: db)
            for worker in changes.workers { try worker.save(db) }
            for var record in changes.checkpoints {
                try CheckpointRecord.filter(Column("trialID") == record.trialID && Column("epoch") == record.epoch)
                    .deleteAll(db)
                try record.insert(db)
            }
            if let state = changes.studyState, var study = try StudyRecord.fetchOne(db) {
                study.state = state
                try study.save(db)
            }
            return try changes.events.map { event in
                var event = event
                try event.insert(db)
                return event
            }
        }
    }

    /// Inserts or updates trials with their intermediate metrics inside a transaction.
    static func insert(_ trials: [Trial], into db: Database) throws {
        for trial in trials {
            try TrialRow(trial).save(db)
            for (epoch, metrics) in trial.intermediate {
                let row = TrialEpochRow(
                    trialID: Int64(trial.id.rawValue), epoch: epoch, metricsJSON: JSONText.encode(metrics))
                try row.save(db)
            }
        }
    }
}
