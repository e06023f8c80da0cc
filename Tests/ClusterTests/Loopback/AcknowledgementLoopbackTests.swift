import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Messages lost once on the way (dropped by a `MessageDropper` on the sender's path) are re-sent until
/// acknowledged: each study still completes its budget with every trial in one run, nothing lost or duplicated.
@Suite struct AcknowledgementLoopbackTests {
    /// Fast re-sends for the tests: 100 ms doubling to 400 ms, giving up after 10 s.
    static let redelivery = RedeliverySettings(
        initialDelay: .milliseconds(100), maximumDelay: .milliseconds(400), giveUpAfter: .seconds(10))

    /// A finished study: its store and the coordinator that ran it.
    struct Finished {
        let directory: StudyDirectory
        let store: StudyStore
        let coordinator: RunningCoordinator
        let exitedInTime: Bool
    }

    /// Runs a study of `budget` trials of `maxEpochs` epochs on workers "w1"… with `FakeRunner(epochSeconds:)`, the
    /// coordinator's and the workers' sends filtered by the given droppers, until the coordinator exits (at most
    /// 20 s).
    private func runStudy(
        budget: Int, maxEpochs: Int, workers: Int = 1, coordinatorDrops: MessageDropper? = nil,
        workerDrops: MessageDropper? = nil, epochSeconds: Double = 0.02,
        adjust: (inout CoordinatorSettings) -> Void = { _ in }
    ) throws -> Finished {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: budget, maxEpochs: maxEpochs)
        settings.redelivery = Self.redelivery
        settings.sendFilter = coordinatorDrops
        adjust(&settings)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let stop = StopSignal()
        defer { stop.stop() }
        let exited = (1...workers).map { index in
            startWorkerThread(
                "w\(index)", context: context, endpoint: coordinator.endpoint, stop: stop,
                runner: FakeRunner(epochSeconds: epochSeconds)
            ) {
                $0.redelivery = Self.redelivery
                $0.sendFilter = workerDrops
            }
        }
        let finished = coordinator.finish(timeout: 20)
        stop.stop()
        for worker in exited { _ = worker.wait(timeout: .now() + 10) }
        return Finished(directory: directory, store: store, coordinator: coordinator, exitedInTime: finished)
    }

    /// The study finished its budget: trials 1…`budget`, each COMPLETE in its first run with its own metrics and
    /// its last epoch's checkpoint stored, assigned once and never cancelled; memory and database agree.
    private func expectCompletedOnce(_ study: Finished, budget: Int, maxEpochs: Int) throws {
        #expect(study.exitedInTime, "the coordinator finished the study by itself")
        #expect(study.coordinator.failure == nil)
        #expect(try study.store.study()?.state == .finished)
        let trials = try study.store.trials()
        #expect(trials.map(\.id) == (1...budget).map { TrialID(UInt64($0)) }, "the budget, no trial id twice")
        #expect(trials.allSatisfy { $0.state == .complete && $0.attempt == 1 }, "every trial complete, in one run")
        for trial in trials {
            #expect(
                trial.finalMetrics?["valid/ndcg@10"] == Double(trial.id.rawValue) / 100 + Double(maxEpochs) / 1000)
            #expect(trial.checkpointEpoch == maxEpochs, "trial \(trial.id)'s last checkpoint is stored")
            #expect(try study.store.checkpoints(trial: trial.id).map(\.epoch).last == maxEpochs)
        }
        #expect(study.coordinator.outcome.trials.withLock { $0 } == trials, "memory and database agree")
        let events = try study.store.events(limit: 10_000)
        let assigned = events.filter { $0.kind == "trial.assigned" }.compactMap(\.trialID)
        #expect(assigned.sorted() == (1...budget).map { Int64($0) }, "each trial assigned exactly once")
        #expect(events.filter { $0.kind == "trial.cancelled" || $0.kind == "worker.lost" }.isEmpty)
    }

    /// Which side's send path loses the message.
    enum Side { case coordinator, worker }

    /// Drops the next `count` messages of `kind` sent by `side` (that match `matches`), runs the study, and checks
    /// that exactly those were dropped and the study still completed every trial once.
    private func expectRecovery(
        dropping kind: String, count: Int = 1, sentBy side: Side, budget: Int = 3, maxEpochs: Int = 2,
        epochSeconds: Double = 0.02, where matches: @escaping @Sendable (WireEnvelope) -> Bool = { _ in true }
    ) throws {
        let drops = try MessageDropper()
        drops.dropNext(kind, count: count, where: matches)
        let study = try self.runStudy(
            budget: budget, maxEpochs: maxEpochs, coordinatorDrops: side == .coordinator ? drops : nil,
            workerDrops: side == .worker ? drops : nil, epochSeconds: epochSeconds)
        #expect(drops.dropped.count == count)
        try self.expectCompletedOnce(study, budget: budget, maxEpochs: maxEpochs)
    }

    @Test func anAssignmentLostOnceIsResent() throws {
        try self.expectRecovery(dropping: "TrialAssignment", sentBy: .coordinator)
    }

    @Test func aResultLostOnceIsResentAndCompletesItsTrialOnce() throws {
        try self.expectRecovery(dropping: "TrialResult", sentBy: .worker)
    }

    @Test func aFinalCheckpointLostOnceIsResentAndStoredEvenAfterTheResult() throws {
        // Trial 2 trains for 0.3 s, time for the re-send of trial 1's checkpoint.
        try self.expectRecovery(
            dropping: "CheckpointUpload", sentBy: .worker, budget: 2, maxEpochs: 3, epochSeconds: 0.1
        ) {
            if case .checkpoint(let upload) = $0.body { upload.trialID == 1 && upload.blob.epoch == 3 } else { false }
        }
    }

    @Test func theLastTrialsFinalCheckpointLostOnceHoldsItsResultUntilTheCheckpointIsStored() throws {
        // The study's last result makes the coordinator shut the workers down (they forget what they still re-send)
        // and exit: so the worker sends the result only once the checkpoint before it is acknowledged.
        try self.expectRecovery(dropping: "CheckpointUpload", sentBy: .worker, budget: 1, maxEpochs: 2) {
            if case .checkpoint(let upload) = $0.body { upload.trialID == 1 && upload.blob.epoch == 2 } else { false }
        }
    }

    @Test func acksThatAreLostTooOnlyCauseRepeatsThatChangeNothing() throws {
        // The coordinator's first six Acks are lost: the worker re-sends those reports, and the repeats change nothing.
        try self.expectRecovery(dropping: "Ack", count: 6, sentBy: .coordinator)
    }
}

/// Cancels lost on the way and a worker that dies between its last checkpoint and its result.
@Suite struct AcknowledgementRecoveryTests {
    /// A coordinator (fast re-sends, sends filtered by `drops`) of a study of `budget` trials of 2 epochs, and a
    /// registered scripted worker "w1" that acknowledges nothing by itself.
    struct Scripted {
        let directory: StudyDirectory
        let store: StudyStore
        let coordinator: RunningCoordinator
        let worker: FakeWorker

        init(budget: Int, drops: MessageDropper? = nil) throws {
            self.directory = try StudyDirectory()
            self.store = try StudyStore(directory: self.directory.url)
            let context = try ZMQContext()
            var settings = CoordinatorSettings.loopback(budget: budget, maxEpochs: 2)
            settings.redelivery = AcknowledgementLoopbackTests.redelivery
            settings.sendFilter = drops
            self.coordinator = try RunningCoordinator(context: context, settings: settings, store: self.store)
            self.worker = try FakeWorker("w1", context: context, endpoint: self.coordinator.endpoint)
            self.worker.acknowledges = false
            try self.worker.hello()
        }
    }

    @Test func aCancelLostOnceIsResentUntilAcknowledged() throws {
        let drops = try MessageDropper()
        drops.dropNext("CancelTrial")
        let scripted = try Scripted(budget: 1, drops: drops)
        let (store, coordinator, worker) = (scripted.store, scripted.coordinator, scripted.worker)
        defer { coordinator.stop.stop() }
        let assignment = try #require(try worker.next(where: { $0.assignment != nil }))
        try worker.ack(assignment.envelope.sequence)
        // One heartbeat names a run the coordinator never assigned; the cancel it answers with is lost.
        try worker.heartbeat(busyWith: (trial: 99, attempt: 1))
        let isCancel: (WireMessage) -> Bool = {
            if case .cancel(let cancel) = $0.envelope.body { cancel.trialID == 99 } else { false }
        }
        let cancel = try #require(
            try worker.next(timeout: .seconds(3), where: isCancel), "the cancel is sent again without a new heartbeat")
        #expect(drops.dropped.count == 1)
        try worker.ack(cancel.envelope.sequence)
        // Acknowledged: no more copies (they would come every 0.1–0.4 s).
        #expect(try worker.next(timeout: .seconds(1), where: isCancel) == nil)
        #expect(try store.events(limit: 1000).filter { $0.kind == "trial.cancelled" }.count == 1, "one cancel event")
    }

    @Test func anAssignmentWhoseAckIsLostIsResentAndTrainedOnce() throws {
        let scripted = try Scripted(budget: 2)
        let (store, coordinator, worker) = (scripted.store, scripted.coordinator, scripted.worker)
        defer { coordinator.stop.stop() }
        let first = try #require(try worker.next(where: { $0.assignment != nil }))
        let again = try #require(try worker.next(timeout: .seconds(3), where: { $0.assignment != nil }))
        #expect(again.envelope.sequence == first.envelope.sequence, "a re-send keeps its sequence number")
        #expect(again.assignment == first.assignment)
        try worker.ack(again.envelope.sequence)
        #expect(try worker.next(timeout: .seconds(1), where: { $0.assignment != nil }) == nil)
        try worker.result(trial: 1, attempt: 1, ndcg: 0.5)
        let ack = try worker.nextAck()
        #expect(ack != nil)
        let second = try #require(try worker.next(where: { $0.assignment != nil }))
        #expect(second.assignment?.trialID == 2)
        try worker.ack(second.envelope.sequence)
        try worker.result(trial: 1, attempt: 1, ndcg: 0.5)
        #expect(
            try worker.nextAck() == ack.map { $0 + 2 }, "a repeated result (two messages later) is acknowledged again")
        try worker.result(trial: 2, attempt: 1, ndcg: 0.6)
        #expect(coordinator.finish())
        #expect(try store.trials().map(\.state) == [.complete, .complete])
        #expect(try store.trials().first?.finalMetrics?["valid/ndcg@10"] == 0.5)
        let events = try store.events(limit: 1000)
        #expect(events.filter { $0.kind == "trial.assigned" }.count == 2)
        #expect(events.filter { $0.kind == "trial.cancelled" }.isEmpty, "the repeat was not answered with a cancel")
    }

    @Test func aWorkerKilledBetweenItsFinalCheckpointAndItsResultIsReplacedByAnEvaluationOnlyRun() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 3, maxEpochs: 2)
        settings.redelivery = AcknowledgementLoopbackTests.redelivery
        settings.membership.busySuspectAfter = .milliseconds(300)
        settings.membership.busyDeadAfter = .milliseconds(600)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        defer { coordinator.stop.stop() }
        let runner = FakeRunner(epochSeconds: 0.02, stallsAfterLastCheckpoint: 1)
        let stops = ["w1": StopSignal(), "w2": StopSignal()]
        defer { for stop in stops.values { stop.stop() } }
        let exited = stops.map { id, stop in
            startWorkerThread(id, context: context, endpoint: coordinator.endpoint, stop: stop, runner: runner) {
                $0.redelivery = AcknowledgementLoopbackTests.redelivery
            }
        }
        // Trial 1's first run uploads its last checkpoint and then hangs: kill its worker once that is stored.
        let deadline = ContinuousClock.now + .seconds(10)
        var victim: WorkerID?
        while ContinuousClock.now < deadline, victim == nil {
            if let trial = try store.trials().first, trial.checkpointEpoch == 2 { victim = trial.workers.first }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let killed = try #require(victim, "trial 1 stored its last checkpoint")
        stops[killed.rawValue]?.stop()

        #expect(coordinator.finish(timeout: 20))
        for stop in stops.values { stop.stop() }
        for worker in exited { _ = worker.wait(timeout: .now() + 10) }
        let trials = try store.trials()
        #expect(trials.map(\.id) == [1, 2, 3])
        #expect(trials.map(\.state) == [.complete, .complete, .complete])
        #expect(trials.map(\.attempt) == [2, 1, 1], "trial 1 ran again, once")
        #expect(trials.first?.finalMetrics?["valid/ndcg@10"] == 0.012)
        #expect(trials.first?.workers != [killed], "it completed elsewhere")
        #expect(
            try store.checkpoints(trial: 1).allSatisfy { $0.attempt == 1 }, "the second run only evaluated: no upload")
        let assigned = try store.events(limit: 1000).filter { $0.kind == "trial.assigned" }.compactMap(\.trialID)
        #expect(assigned.sorted() == [1, 1, 2, 3])
        #expect(coordinator.outcome.trials.withLock { $0 } == trials)
    }
}
