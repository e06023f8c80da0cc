import ClusterCore
import Foundation
import Search
import TestKit
import Testing

@testable import StudyStore

@Suite struct CheckpointStoreTests {
    private func parameters(_ epoch: Int) -> [UInt8] {
        (0..<(1000 + epoch)).map { UInt8(truncatingIfNeeded: $0 &* (epoch + 3)) }
    }

    private func storeWithEpochs(_ directory: ScratchFolder, _ epochs: ClosedRange<Int>) throws -> StudyStore {
        let store = try StudyStore(directory: directory.url)
        try store.save([Trial(id: 4, params: Configuration([:]), origin: .proposed)])
        for epoch in epochs {
            try store.storeCheckpoint(trial: 4, attempt: 1, epoch: epoch, parameters: self.parameters(epoch))
        }
        return store
    }

    @Test func newestCheckpointIsReturnedWithItsBytes() throws {
        let directory = try ScratchFolder()
        let store = try self.storeWithEpochs(directory, 1...3)
        let latest = try #require(try store.loadCheckpoint(trial: 4))
        #expect(latest.record.epoch == 3)
        #expect(latest.parameters == self.parameters(3))
        #expect(latest.record.path == "checkpoints/trial-000004/epoch-0003.params")
        #expect(try store.loadCheckpoint(trial: 4, atOrBefore: 2)?.record.epoch == 2)
        #expect(try store.loadCheckpoint(trial: 5) == nil)
    }

    @Test func corruptAndMissingFilesAreDetectedAndAnEarlierCheckpointIsUsed() throws {
        let directory = try ScratchFolder()
        let store = try self.storeWithEpochs(directory, 1...3)
        let third = directory.url.appendingPathComponent("checkpoints/trial-000004/epoch-0003.params")
        var bytes = try Data(contentsOf: third)
        bytes[500] ^= 0x40
        try bytes.write(to: third)
        try FileManager.default.removeItem(
            at: directory.url.appendingPathComponent("checkpoints/trial-000004/epoch-0002.params"))

        let loaded = try #require(try store.loadCheckpoint(trial: 4))
        #expect(loaded.record.epoch == 1)
        #expect(loaded.parameters == self.parameters(1))
        #expect(try store.checkpoints(trial: 4).map(\.corrupt) == [false, true, true])
        let events = try store.events(trial: 4)
        #expect(events.map(\.kind) == ["checkpoint.corrupt", "checkpoint.corrupt"])
        #expect(events.first?.message.contains("epoch 3") == true)
    }

    @Test func readOnlyStoresSkipCorruptFilesWithoutMarkingThem() throws {
        let directory = try ScratchFolder()
        let store = try self.storeWithEpochs(directory, 1...2)
        let second = directory.url.appendingPathComponent("checkpoints/trial-000004/epoch-0002.params")
        try Data([1, 2, 3]).write(to: second)
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        #expect(try reader.loadCheckpoint(trial: 4)?.record.epoch == 1)
        #expect(try store.checkpoints(trial: 4).map(\.corrupt) == [false, false])
    }

    @Test func aCrashMidWriteLeavesOnlyAPartialFileThatIsIgnoredAndCleanedUp() throws {
        let directory = try ScratchFolder()
        let store = try self.storeWithEpochs(directory, 1...2)
        let folder = directory.url.appendingPathComponent("checkpoints/trial-000004")
        // A crash while rewriting epoch 2 and while writing epoch 3: half-written .partial files, no records.
        try Data(self.parameters(9).prefix(100)).write(to: folder.appendingPathComponent("epoch-0002.params.partial"))
        try Data(self.parameters(3).prefix(10)).write(to: folder.appendingPathComponent("epoch-0003.params.partial"))
        let loaded = try #require(try store.loadCheckpoint(trial: 4))
        #expect(loaded.record.epoch == 2)
        #expect(loaded.parameters == self.parameters(2))
        #expect(store.removePartialCheckpointFiles() == 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left == ["epoch-0001.params", "epoch-0002.params"])
    }

    @Test func rewritingAnEpochReplacesFileAndRecord() throws {
        let directory = try ScratchFolder()
        let store = try self.storeWithEpochs(directory, 1...1)
        try store.storeCheckpoint(trial: 4, attempt: 2, epoch: 1, parameters: self.parameters(7))
        let records = try store.checkpoints(trial: 4)
        #expect(records.count == 1)
        #expect(records.first?.attempt == 2)
        #expect(try store.loadCheckpoint(trial: 4)?.parameters == self.parameters(7))
    }
}
