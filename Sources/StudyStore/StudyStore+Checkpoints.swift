import ClusterCore
import Foundation
import GRDB

/// A checkpoint read back from disk whose size and CRC-32C matched its record.
public struct LoadedCheckpoint: Sendable, Equatable {
    public var record: CheckpointRecord
    /// The trainable parameters (raw little-endian Float32, as uploaded).
    public var parameters: [UInt8]
}

// MARK: - Checkpoint files

extension StudyStore {
    /// The folder of checkpoint files inside the study directory.
    public static let checkpointFolder = "checkpoints"

    /// Writes a trial's parameters after `epoch` epochs atomically, then records it (replacing an older record of
    /// the same epoch). A crash before the record is written leaves an unreferenced file, never a bad record.
    /// - Returns: the new record.
    /// - Throws: `StudyStoreError` if the file or the record cannot be written.
    @discardableResult
    public func storeCheckpoint(
        trial: TrialID, attempt: Int, epoch: Int, parameters: [UInt8], now: Date = Date()
    ) throws(StudyStoreError) -> CheckpointRecord {
        let record = try self.writeCheckpointFile(
            trial: trial, attempt: attempt, epoch: epoch, parameters: parameters, now: now)
        var changes = StudyChanges()
        changes.checkpoints = [record]
        try self.commit(changes)
        return record
    }

    /// Writes a trial's parameters after `epoch` epochs atomically (replacing the file of the same epoch) without
    /// recording them: the record returned goes into the state transition's `StudyChanges`.
    /// - Throws: `StudyStoreError.io` if the folder or the file cannot be written.
    public func writeCheckpointFile(
        trial: TrialID, attempt: Int, epoch: Int, parameters: [UInt8], now: Date = Date()
    ) throws(StudyStoreError) -> CheckpointRecord {
        let folder = String(format: "trial-%06llu", trial.rawValue)
        let relative = "\(Self.checkpointFolder)/\(folder)/" + String(format: "epoch-%04d.params", epoch)
        let url = self.directory.appendingPathComponent(relative)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .io(
                operation: "create directory", path: url.deletingLastPathComponent().path, errno: Self.errno(of: error))
        }
        try AtomicFile.write(parameters, to: url)
        return CheckpointRecord(
            id: nil, trialID: Int64(trial.rawValue), attempt: attempt, epoch: epoch, path: relative,
            byteLength: Int64(parameters.count), crc32c: Int64(CRC32C.checksum(parameters)), corrupt: false,
            createdAt: now)
    }

    /// The newest intact checkpoint of `trial` at or before `epoch` (any epoch if nil).
    ///
    /// Files that are missing or whose size or CRC-32C differ from their record are skipped, and (when the store
    /// is writable) marked corrupt with a `checkpoint.corrupt` event, so the trial resumes from an earlier one.
    /// - Returns: nil when no intact checkpoint exists (the trial restarts from scratch).
    public func loadCheckpoint(trial: TrialID, atOrBefore epoch: Int? = nil) throws(StudyStoreError)
        -> LoadedCheckpoint?
    {
        for record in try self.checkpoints(trial: trial).reversed() where !record.corrupt {
            if let epoch, record.epoch > epoch { continue }
            let problem: String
            do {
                let bytes = try AtomicFile.read(self.directory.appendingPathComponent(record.path))
                if Int64(bytes.count) == record.byteLength && Int64(CRC32C.checksum(bytes)) == record.crc32c {
                    return LoadedCheckpoint(record: record, parameters: bytes)
                }
                problem =
                    "\(bytes.count) bytes with CRC-32C \(CRC32C.checksum(bytes)), "
                    + "recorded \(record.byteLength) bytes with \(record.crc32c)"
            } catch {
                problem = "\(error)"
            }
            try self.markCorrupt(record, problem: problem)
        }
        return nil
    }

    /// The checkpoint records of `trial`, oldest epoch first.
    public func checkpoints(trial: TrialID) throws(StudyStoreError) -> [CheckpointRecord] {
        try self.read("read checkpoints") { db in
            try CheckpointRecord.filter(Column("trialID") == Int64(trial.rawValue)).order(Column("epoch")).fetchAll(db)
        }
    }

    /// Deletes `.partial` files a crash left behind in the checkpoint folder.
    /// - Returns: how many were removed.
    @discardableResult
    public func removePartialCheckpointFiles() -> Int {
        let root = self.directory.appendingPathComponent(Self.checkpointFolder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return 0 }
        var removed = 0
        for case let url as URL in walker where url.lastPathComponent.hasSuffix(AtomicFile.partialSuffix) {
            if (try? FileManager.default.removeItem(at: url)) != nil { removed += 1 }
        }
        return removed
    }

    private func markCorrupt(_ record: CheckpointRecord, problem: String) throws(StudyStoreError) {
        guard !self.isReadOnly, let id = record.id else { return }
        let event = StudyEvent(
            at: Date(), kind: "checkpoint.corrupt", trialID: record.trialID,
            message: "checkpoint \(record.path) (epoch \(record.epoch)) is unusable: \(problem)")
        try self.write("mark checkpoint corrupt") { db in
            try CheckpointRecord.filter(Column("id") == id).updateAll(db, Column("corrupt").set(to: true))
            var event = event
            try event.insert(db)
        }
    }
}
