import ClusterCore
import ClusterCoreTestKit
import Foundation
import GRDB
import Search
import TestKit
import Testing

@testable import StudyStore

@Suite struct StudyStoreTests {
    private func sampleTrial(_ id: TrialID) -> Trial {
        var trial = Trial(
            id: id,
            params: Search.Configuration(["lr": .double(0.0025), "layers": .int(4), "expert": .string("lora")]),
            origin: .enqueued, seed: 123)
        trial.state = .running
        trial.attempt = 2
        trial.failedAttempts = 1
        trial.group = 3
        trial.workers = ["w1", "w2"]
        trial.intermediate = [1: ["valid/ndcg@10": 0.125], 2: ["valid/ndcg@10": 0.25, "train/loss": 3.5]]
        trial.checkpointEpoch = 2
        trial.failureReasons = ["attempt 1: worker w9 lost: no heartbeat"]
        trial.seconds = 12.5
        return trial
    }

    @Test func freshDatabaseAppliesEveryMigrationInWALMode() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        #expect(
            try store.appliedMigrations() == ["v1-tables", "v2-indexes", "v3-telemetry", StudySchema.latestMigration])
        let mode = try store.database.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func olderDatabaseIsMigratedAndKeepsItsRows() throws {
        let directory = try ScratchFolder()
        do {
            let old = try StudyStore(directory: directory.url, readOnly: false)
            try old.migrate(upTo: "v1-tables")
            #expect(try old.appliedMigrations() == ["v1-tables"])
            try old.insertWithoutSeed(self.sampleTrial(1))
        }
        let store = try StudyStore(directory: directory.url)
        #expect(try store.appliedMigrations().last == StudySchema.latestMigration)
        var expected = self.sampleTrial(1)
        expected.seed = 1  // no study row: seed 0 plus the trial's id, as before the seed column
        #expect(try store.trials() == [expected])
        let indexes = try store.database.read {
            try String.fetchAll(
                $0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'trialByState'")
        }
        #expect(indexes == ["trialByState"])
    }

    @Test func studyRowRoundTripsAndItsHashFollowsTheConfig() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        #expect(try store.study() == nil)
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let study = StudyRecord(
            name: "demo", configJSON: #"{"budget":6}"#, seed: 7, budget: 6, state: .running, createdAt: created)
        try store.saveStudy(study)
        #expect(try store.study() == study)
        #expect(study.configHash.count == 8)
        #expect(StudyRecord.hash(of: #"{"budget":7}"#) != study.configHash)
        #expect(StudyRecord.hash(of: #"{"budget":6}"#) == study.configHash)
    }

    @Test func trialsRoundTripWithEveryFieldAndUpdatesReplaceRows() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        var trial = self.sampleTrial(5)
        var other = Trial(id: 6, params: Search.Configuration(["x": .string("yes")]), origin: .proposed)
        other.state = .complete
        other.finalMetrics = ["test/hr@10": 0.5]
        try store.save([trial, other])
        #expect(try store.trials() == [trial, other])

        trial.intermediate[3] = ["valid/ndcg@10": 0.375]
        trial.state = .pruned
        trial.group = nil
        try store.save([trial])
        let reloaded = try store.trials()
        #expect(reloaded == [trial, other])
        #expect(reloaded.first?.intermediate.count == 3)
    }

    @Test func workersAndEventsRoundTrip() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        let seen = Date(timeIntervalSince1970: 1_800_000_100)
        let worker = StoredWorker(
            id: "w1", incarnation: 3, host: "node1", cores: 2, status: .suspect, busy: true, lastSeen: seen)
        try store.save(worker)
        #expect(try store.workers() == [worker])
        for index in 1...5 {
            try store.log(
                StudyEvent(
                    at: seen, kind: "trial.assigned", trialID: Int64(index % 2), workerID: "w1", message: "n\(index)"))
        }
        #expect(try store.events(limit: 2).map(\.message) == ["n4", "n5"])
        #expect(try store.events(trial: 1).map(\.message) == ["n1", "n3", "n5"])
    }

    @Test func aReadOnlyConnectionReadsConsistentSnapshotsWhileTheCoordinatorWrites() throws {
        let directory = try ScratchFolder()
        let writer = try StudyStore(directory: directory.url)
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        let total = 150
        let writing = Thread {
            for index in 1...total {
                var trial = Trial(
                    id: TrialID(UInt64(index)), params: Search.Configuration(["i": .int(index)]), origin: .proposed)
                trial.intermediate = [1: ["m": 1], 2: ["m": 2]]
                try? writer.save([trial])
            }
        }
        writing.start()
        var lastCount = 0
        var reads = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while lastCount < total && ContinuousClock.now < deadline {
            let trials = try reader.trials()
            #expect(trials.count >= lastCount)
            // Each trial was written with both epochs in one transaction: a snapshot never holds half of it.
            #expect(trials.allSatisfy { $0.intermediate.count == 2 })
            lastCount = trials.count
            reads += 1
        }
        #expect(lastCount == total)
        #expect(reads > 1)
        #expect(throws: StudyStoreError.self) {
            try reader.save([Trial(id: 999, params: Search.Configuration([:]), origin: .proposed)])
        }
    }

    @Test func restoredSchedulerSeesTheStoredStudy() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        var scheduler = TrialScheduler(settings: SchedulerSettings(budget: 3))
        scheduler.workerAvailable("a")
        var proposer = CountingProposer()
        let directives = scheduler.fill(proposer: &proposer)
        let changed = directives.compactMap { if case .trialChanged(let trial) = $0 { trial } else { nil } }
        try store.save(changed)
        let restored = TrialScheduler(settings: SchedulerSettings(budget: 3), restoring: try store.trials())
        #expect(
            restored.trials
                == scheduler.trials.mapValues { trial in
                    var waiting = trial
                    waiting.state = .waiting
                    waiting.group = nil
                    return waiting
                })
        #expect(restored.waitingQueue == [1])
    }

    @Test func everyCommitIsSyncedToDisk() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        // SQLite's synchronous levels: 0 OFF, 1 NORMAL, 2 FULL.
        #expect(try store.database.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        #expect(try reader.database.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }

    @Test func aSecondWritableStoreIsRefusedWithTheHoldersPIDUntilTheFirstCloses() throws {
        let directory = try ScratchFolder()
        let lockFile = directory.url.appendingPathComponent("coordinator.lock").path
        do {
            let first = try StudyStore(directory: directory.url)
            let refused = #expect(throws: StudyStoreError.self) { try StudyStore(directory: directory.url) }
            #expect(refused == .inUse(directory: directory.url.path, lockFile: lockFile, pid: getpid()))
            #expect(
                refused?.description
                    == "study directory \(directory.url.path) is in use by coordinator PID \(getpid()) (\(lockFile)); "
                    + "stop it first")
            // Readers (status, report, dashboard) take no lock.
            #expect(try StudyStore.openReadOnly(directory: directory.url).study() == nil)
            withExtendedLifetime(first) {}
        }
        // The first store's lock went with it.
        _ = try StudyStore(directory: directory.url)
    }
}
