import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import GRDB
import Synchronization
import Testing
import ZeroMQ

/// A study database another connection locks for a while: the coordinator's writes fail with `SQLITE_BUSY` (its
/// busy timeout is shorter than the lock), it pauses, and it carries on once the lock is gone.
@Suite struct StoreOutageLoopbackTests {
    /// Holds the study database's write lock (`BEGIN EXCLUSIVE` on a connection of its own) from `init` until
    /// `release`, on a thread of its own.
    final class WriteLock: Sendable {
        private let locked = DispatchSemaphore(value: 0)
        private let released = DispatchSemaphore(value: 0)
        private let finished = DispatchSemaphore(value: 0)

        init(database path: String) throws {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let (locked, released, finished) = (self.locked, self.released, self.finished)
            Thread {
                try? queue.inTransaction(.exclusive) { _ in
                    locked.signal()
                    released.wait()
                    return .commit
                }
                locked.signal()  // if the lock could not be taken, do not leave `init` waiting
                finished.signal()
            }.start()
            self.locked.wait()
        }

        func release() {
            self.released.signal()
            self.finished.wait()
        }
    }

    private func databasePath(_ directory: StudyDirectory) -> String {
        directory.url.appendingPathComponent(StudyStore.databaseFileName).path
    }

    /// A coordinator on a new study whose store waits `busyTimeout` for a lock, retrying refused transitions after
    /// 50 ms doubling to at most `maximumDelay`.
    private func study(
        budget: Int, maxEpochs: Int, busyTimeout: Duration, maximumDelay: Duration, deferredMessageLimit: Int = 10_000
    ) throws -> (directory: StudyDirectory, store: StudyStore, context: ZMQContext, coordinator: RunningCoordinator) {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url, busyTimeout: busyTimeout)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: budget, maxEpochs: maxEpochs)
        settings.storeRetry.initialDelay = .milliseconds(50)
        settings.storeRetry.maximumDelay = maximumDelay
        settings.deferredMessageLimit = deferredMessageLimit
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        return (directory, store, context, coordinator)
    }

    /// Waits (bounded) until `condition` holds.
    private func await(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    @Test func aStoreThatFailsForTenSecondsPausesTheStudyWhichThenCompletesWithNothingLostOrDuplicated() throws {
        let (directory, store, context, coordinator) = try self.study(
            budget: 12, maxEpochs: 3, busyTimeout: .milliseconds(200), maximumDelay: .milliseconds(500))
        let stop = StopSignal()
        defer { stop.stop() }
        let workers = ["w1", "w2", "w3"].map {
            startWorkerThread(
                $0, context: context, endpoint: coordinator.endpoint, stop: stop, runner: FakeRunner(epochSeconds: 0.05)
            )
        }
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        try #require(
            try self.await(20) { try reader.trials().filter { $0.state == .complete }.count >= 2 },
            "the study did not get going")

        let lock = try WriteLock(database: self.databasePath(directory))
        let before = try reader.trials()
        try #require(before.count < 12, "the study finished before the store failed")
        // The store fails for 10 s: every write of the coordinator's waits 0.2 s and fails with SQLITE_BUSY.
        Thread.sleep(forTimeInterval: 10)
        #expect(try reader.trials() == before, "nothing was written while the database was locked")
        lock.release()

        #expect(coordinator.finish(timeout: 30))
        #expect(coordinator.failure == nil)
        #expect(workers.map { $0.wait(timeout: .now() + 10) == .success } == [true, true, true])

        let trials = try store.trials()
        #expect(try store.study()?.state == .finished)
        #expect(trials.map(\.id) == (1...12).map { TrialID(UInt64($0)) }, "the budget, no trial id twice")
        #expect(trials.allSatisfy { $0.state == .complete && $0.attempt == 1 }, "every trial complete, in one run")
        for trial in trials {
            #expect(trial.intermediate.keys.sorted() == [1, 2, 3])
            #expect(trial.finalMetrics?["valid/ndcg@10"] == Double(trial.id.rawValue) / 100 + 0.003)
        }
        #expect(coordinator.outcome.trials.withLock { $0 } == trials, "memory and database agree")
        let events = try store.events(limit: 1000)
        let assigned = events.filter { $0.kind == "trial.assigned" }.compactMap(\.trialID)
        #expect(assigned.sorted() == Array(1...12), "each trial assigned exactly once")
        let recovered = events.filter { $0.kind == "store.recovered" }
        #expect(recovered.count == 1)
        #expect(recovered.first.map { !$0.message.contains("(1 failed commits)") } == true, "it retried")
    }

    @Test func aResultDuringAnOutageIsHeldAndNothingDependingOnItIsSentUntilTheStoreWorks() throws {
        let (directory, store, context, coordinator) = try self.study(
            budget: 2, maxEpochs: 2, busyTimeout: .milliseconds(100), maximumDelay: .milliseconds(300))
        defer { coordinator.stop.stop() }
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        let first = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        #expect(first.trialID == 1)

        let lock = try WriteLock(database: self.databasePath(directory))
        try worker.result(trial: 1, attempt: 1, ndcg: 0.3)
        // Replies that change nothing still come: a malformed message is answered during the outage.
        try worker.sendRaw([[0xFF, 0xFF]])
        #expect(try worker.next(timeout: .seconds(5), where: { $0.error != nil })?.error?.code == .malformed)
        // The next assignment depends on the result being stored: none arrives while the store fails.
        #expect(
            try worker.next(timeout: .seconds(1.5), heartbeatEvery: .milliseconds(50)) { $0.assignment != nil } == nil)
        #expect(try store.trials().first?.state == .running)
        lock.release()

        let second = try #require(try worker.next(timeout: .seconds(10), where: { $0.assignment != nil })?.assignment)
        #expect(second.trialID == 2 && second.attempt == 1)
        try worker.result(trial: 2, attempt: 1, ndcg: 0.4)
        #expect(try worker.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(coordinator.finish())
        let trials = try store.trials()
        #expect(trials.map(\.state) == [.complete, .complete])
        #expect(trials.map { $0.finalMetrics?["valid/ndcg@10"] } == [0.3, 0.4])
        #expect(coordinator.outcome.trials.withLock { $0 } == trials)
        #expect(try store.events().filter { $0.kind == "store.recovered" }.count == 1)
    }

    @Test func aReportThatFindsTheQueueFullIsRefusedWithAnInternalErrorAndTheStudyStillCompletes() throws {
        let (directory, store, context, coordinator) = try self.study(
            budget: 2, maxEpochs: 2, busyTimeout: .milliseconds(100), maximumDelay: .milliseconds(300),
            deferredMessageLimit: 1)
        defer { coordinator.stop.stop() }
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        #expect(try worker.next(where: { $0.assignment != nil })?.assignment?.trialID == 1)

        let lock = try WriteLock(database: self.databasePath(directory))
        try worker.result(trial: 1, attempt: 1, ndcg: 0.3)  // its transition is refused: the outage begins
        try worker.checkpoint(trial: 1, attempt: 1, epoch: 1, parameters: [1])  // queued: the queue is full
        try worker.checkpoint(trial: 1, attempt: 1, epoch: 2, parameters: [2])  // refused
        let refusal = try #require(try worker.next(timeout: .seconds(5), where: { $0.error != nil })?.error)
        #expect(refusal.code == .internal && refusal.message.contains("queue is full"))
        lock.release()

        let second = try #require(try worker.next(timeout: .seconds(10), where: { $0.assignment != nil })?.assignment)
        #expect(second.trialID == 2)
        try worker.result(trial: 2, attempt: 1, ndcg: 0.4)
        #expect(try worker.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(coordinator.finish())
        #expect(try store.trials().map(\.state) == [.complete, .complete])
    }

    @Test func aCoordinatorStoppedDuringAnOutageRestartsFromTheLastCommittedStateWithoutDuplicates() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 2, maxEpochs: 2)
        settings.storeRetry.maximumDelay = .milliseconds(200)
        let first = try RunningCoordinator(
            context: context, settings: settings,
            store: try StudyStore(directory: directory.url, busyTimeout: .milliseconds(100)))
        let worker = try FakeWorker("w1", context: context, endpoint: first.endpoint)
        try worker.hello()
        #expect(try worker.next(where: { $0.assignment != nil })?.assignment?.trialID == 1)
        try worker.checkpoint(trial: 1, attempt: 1, epoch: 1, parameters: [7])
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        try #require(try self.await(5) { try reader.checkpoints(trial: 1).count == 1 })

        let lock = try WriteLock(database: self.databasePath(directory))
        try worker.result(trial: 1, attempt: 1, ndcg: 0.3)
        // Messages are handled in order: once the malformed one is answered, the result's transition was refused.
        try worker.sendRaw([[0xFF, 0xFF]])
        #expect(try worker.next(timeout: .seconds(5), where: { $0.error != nil })?.error?.code == .malformed)
        first.stop.stop()
        #expect(first.finish(timeout: 5), "a coordinator paused by its store still stops")
        lock.release()
        #expect(try reader.trials().map(\.state) == [.running], "the unwritten result is not in the database")

        let second = try RunningCoordinator(
            context: context, settings: settings, store: try StudyStore(directory: directory.url))
        defer { second.stop.stop() }
        let restarted = try FakeWorker("w1", incarnation: 2, context: context, endpoint: second.endpoint)
        try restarted.hello()
        let resumed = try #require(try restarted.next(where: { $0.assignment != nil }))
        #expect(resumed.assignment?.trialID == 1 && resumed.assignment?.attempt == 2)
        #expect(resumed.assignment?.resume.epoch == 1 && resumed.blobs == [[7]])
        try restarted.result(trial: 1, attempt: 2, ndcg: 0.3)
        #expect(try restarted.next(where: { $0.assignment != nil })?.assignment?.trialID == 2)
        try restarted.result(trial: 2, attempt: 1, ndcg: 0.4)
        #expect(try restarted.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(second.finish())
        let trials = try reader.trials()
        #expect(trials.map(\.id) == [1, 2] && trials.map(\.state) == [.complete, .complete])
        #expect(second.outcome.trials.withLock { $0 } == trials)
    }

    @Test func inconsistentRetrySettingsAreRefusedAtStart() throws {
        let directory = try StudyDirectory()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 1)
        settings.storeRetry.initialDelay = .seconds(10)
        settings.storeRetry.maximumDelay = .seconds(1)
        #expect {
            try CoordinatorService(
                context: try ZMQContext(), settings: settings, store: try StudyStore(directory: directory.url),
                proposer: CountingProposer(), pruner: NoPruning())
        } throws: { error in
            guard case .invalidSettings(let problem) = error as? CoordinatorError else { return false }
            return problem.contains("store retry delays")
        }
    }

    @Test func heartbeatsKeepTheWorkerRowFreshInBatchesNotOneWritePerHeartbeat() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 1)
        settings.counterFlushInterval = .milliseconds(100)
        settings.workerRowInterval = .milliseconds(400)
        settings.exitWhenFinished = false
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        defer { coordinator.stop.stop() }
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        #expect(try worker.next(where: { $0.kind == "Welcome" }) != nil)
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        try #require(try self.await(5) { try !reader.workers().isEmpty })
        let registered = try #require(try reader.workers().first?.lastSeen)

        // Heartbeat every 20 ms, sampling the row, until it shows a heartbeat 1.2 s after the registration.
        var seen: Set<Date> = []
        let start = ContinuousClock.now
        var heartbeats = 0
        var fresh = false
        while !fresh && ContinuousClock.now - start < .seconds(10) {
            try worker.heartbeat()
            heartbeats += 1
            _ = try worker.socket.receive(dontWait: true)
            if let row = try reader.workers().first {
                seen.insert(row.lastSeen)
                fresh = row.lastSeen.timeIntervalSince(registered) >= 1.2
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let elapsed = Double((ContinuousClock.now - start).wholeMilliseconds) / 1000
        #expect(fresh, "the row follows the heartbeats")
        #expect(try reader.workers().first?.status == .alive)
        // At most one write per 0.4 s (plus the registration's), against a heartbeat every 20 ms.
        #expect(
            seen.count <= Int(elapsed / 0.4) + 2 && heartbeats >= 3 * seen.count,
            "\(seen.count) distinct last-seen times for \(heartbeats) heartbeats in \(elapsed) s")
    }
}
