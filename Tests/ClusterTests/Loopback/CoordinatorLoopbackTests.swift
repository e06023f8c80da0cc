import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// The coordinator shell on tcp://127.0.0.1 with scripted workers; every wait is bounded.
@Suite struct CoordinatorLoopbackTests {
    private func settings(budget: Int) -> CoordinatorSettings {
        var settings = CoordinatorSettings(budget: budget)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        settings.maxEpochs = 2
        settings.tickInterval = .milliseconds(20)
        return settings
    }

    /// `settings(budget:)` with 50 ms heartbeats, a busy worker lost after 600 ms of silence (or of saying idle).
    private func fastTimeouts(budget: Int) -> CoordinatorSettings {
        var settings = self.settings(budget: budget)
        settings.membership.heartbeatInterval = .milliseconds(50)
        settings.membership.idleSuspectAfter = .milliseconds(200)
        settings.membership.idleDeadAfter = .milliseconds(400)
        settings.membership.busySuspectAfter = .milliseconds(300)
        settings.membership.busyDeadAfter = .milliseconds(600)
        return settings
    }

    @Test func aStudyRunsToItsBudgetAndBadMessagesAreAnsweredWhileItGoesOn() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(context: context, settings: self.settings(budget: 2), store: store)
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)

        try worker.hello()
        #expect(try worker.next()?.kind == "Welcome")
        let first = try #require(try worker.next()?.assignment)
        #expect(first.trialID == 1 && first.attempt == 1 && first.rank == 0 && first.worldSize == 1)
        #expect(first.maxEpochs == 2 && !first.hasResume)
        #expect(first.configJson == #"{"x":1}"#)

        try worker.sendRaw([[0xFF, 0xFF, 0xFF]])
        #expect(try worker.next()?.error?.code == .malformed)
        var wrongVersion = WireMessage(sequence: 50, body: .ack(Mixrec_Cluster_V1_Ack()))
        wrongVersion.envelope.protocolVersion = 7
        try worker.sendRaw(try wrongVersion.frames())
        let versionError = try #require(try worker.next()?.error)
        #expect(versionError.code == .versionMismatch && versionError.inReplyTo == 50)
        // An Error it rejects is not answered (the next reply is the oversized message's).
        var wrongVersionError = WireMessage(sequence: 51, body: .error(Mixrec_Cluster_V1_Error()))
        wrongVersionError.envelope.protocolVersion = 7
        try worker.sendRaw(try wrongVersionError.frames())
        var oversized = WireFixtures.checkpointMessage()
        oversized.blobs.append([1, 2, 3])
        try worker.sendRaw(try oversized.frames())
        #expect(try worker.next()?.error?.code == .tooLarge)

        try worker.heartbeat(busyWith: (1, 1))
        try worker.checkpoint(trial: 1, attempt: 1, epoch: 1, parameters: WireFixtures.parameters)
        try worker.result(trial: 1, attempt: 1, ndcg: 0.3)
        let second = try #require(try worker.next()?.assignment)
        #expect(second.trialID == 2 && second.configJson == #"{"x":2}"#)
        try worker.result(trial: 2, attempt: 1, ndcg: 0.4)
        #expect(try worker.next()?.kind == "Shutdown")
        #expect(coordinator.finish())
        #expect(coordinator.failure == nil)

        let trials = try store.trials()
        #expect(trials.map(\.state) == [.complete, .complete])
        #expect(trials.map { $0.finalMetrics?["valid/ndcg@10"] } == [0.3, 0.4])
        #expect(try store.loadCheckpoint(trial: 1)?.parameters == WireFixtures.parameters)
        #expect(try store.study()?.state == .finished)
        #expect(try store.events().map(\.kind).contains("study.finished"))

        let counters = Dictionary(
            uniqueKeysWithValues: try store.coordinatorCounters().map { ("\($0.name) \($0.label)", $0.value) })
        #expect(
            counters == [
                "received Hello": 1, "received Heartbeat": 1, "received CheckpointUpload": 1,
                "received TrialResult": 2, "received undecodable": 4, "sent Welcome": 1, "sent TrialAssignment": 2,
                "sent Error": 3, "sent Shutdown": 1, "rejected malformed": 1, "rejected versionMismatch": 1,
                "rejected tooLarge": 1,
                // The worker acknowledges both assignments; the coordinator its checkpoint and both results.
                "received Ack": 2, "sent Ack": 3,
            ])
    }

    @Test func heartbeatTotalsBecomeEachWorkersStepRateInTheDatabase() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = self.settings(budget: 1)
        settings.throughputWindow = .milliseconds(200)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        #expect(try worker.next()?.kind == "Welcome")
        let started = ContinuousClock.now
        try worker.heartbeat(steps: 10)
        Thread.sleep(forTimeInterval: 0.4)
        try worker.heartbeat(steps: 50)
        let window = ContinuousClock.now - started
        var stored: WorkerThroughputRecord?
        for _ in 0..<100 where stored?.stepRate == nil {
            Thread.sleep(forTimeInterval: 0.02)
            stored = try store.workerThroughput().first
        }
        let record = try #require(stored)
        #expect(record.workerID == "w1" && record.stepsTotal == 50)
        #expect(record.allReduceBytes == 50_000 && record.allReduceSeconds == 0.5)
        let rate = try #require(record.stepRate)
        // 40 steps between two heartbeats sent 0.4 s apart, received at least the 0.2 s window apart.
        #expect(rate <= 40 / 0.2 + 1e-9 && rate >= 40 / (Double(window.wholeMilliseconds) / 1000 + 0.5), "\(rate)")
        coordinator.stop.stop()
        _ = coordinator.finish()
    }

    @Test func aSilentWorkersTrialResumesOnAnotherWorkerFromItsCheckpoint() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(context: context, settings: self.fastTimeouts(budget: 1), store: store)
        let doomed = try FakeWorker("doomed", context: context, endpoint: coordinator.endpoint)
        let rescuer = try FakeWorker("rescuer", context: context, endpoint: coordinator.endpoint)

        try doomed.hello()
        let first = try #require(try doomed.next(where: { $0.assignment != nil })?.assignment)
        try rescuer.hello()
        #expect(try rescuer.next()?.kind == "Welcome")
        try doomed.checkpoint(trial: first.trialID, attempt: 1, epoch: 1, parameters: WireFixtures.parameters)
        let silentSince = ContinuousClock.now

        let resumed = try #require(
            try rescuer.next(heartbeatEvery: .milliseconds(50), where: { $0.assignment != nil }))
        let takeover = ContinuousClock.now - silentSince
        let assignment = try #require(resumed.assignment)
        #expect(assignment.trialID == first.trialID)
        #expect(assignment.attempt == 2)
        #expect(assignment.resume.epoch == 1)
        #expect(resumed.blobs == [WireFixtures.parameters])
        #expect(takeover >= .milliseconds(600))
        print("worker death → trial running elsewhere: \(takeover) (busy timeout 600 ms)")

        try rescuer.result(trial: first.trialID, attempt: 2, ndcg: 0.5)
        #expect(try rescuer.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(coordinator.finish())
        let trial = try #require(try store.trials().first)
        #expect(trial.state == .complete)
        #expect(trial.failureReasons.count == 1)
        #expect(try store.workers().first { $0.id == "doomed" }?.status == .dead)
    }

    @Test func anAssignmentLostOnceIsSentAgainOnceTheWorkerHasSaidIdleForTheGrace() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(context: context, settings: self.fastTimeouts(budget: 1), store: store)
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)

        try worker.hello()
        // The first assignment is dropped: the worker never sees it and goes on heartbeating idle.
        let dropped = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        let idleSince = ContinuousClock.now
        let again = try #require(
            try worker.next(heartbeatEvery: .milliseconds(50), where: { $0.assignment != nil })?.assignment)
        #expect(ContinuousClock.now - idleSince >= .milliseconds(600))
        #expect(again.trialID == dropped.trialID && again.attempt == 2)
        try worker.result(trial: again.trialID, attempt: 2, ndcg: 0.5)
        #expect(try worker.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(coordinator.finish())
        let trial = try #require(try store.trials().first)
        #expect(trial.state == .complete)
        let reason = "worker w1 reported idle while running trial #\(dropped.trialID) attempt 1"
        #expect(trial.failureReasons == ["attempt 1: \(reason)"])
        #expect(try store.events().contains { $0.kind == "group.dissolved" && $0.message.hasSuffix(reason) })
    }

    @Test func aRestartWithAnotherSearchSpaceIsRefusedWithADiffButALargerBudgetIsApplied() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = self.settings(budget: 1)
        settings.studyConfigText = "budget = 1\nspace.lr[0] = 0.001\nspace.lr[1] = 0.1"
        settings.isSafeChange = { $0.path == "budget" }
        _ = try CoordinatorService(
            context: context, settings: settings, store: store, proposer: CountingProposer(), pruner: NoPruning())

        settings.studyConfigText = "budget = 1\nspace.lr[0] = 0.01\nspace.lr[1] = 0.1\nspace.rank = 8"
        let refused = #expect(throws: CoordinatorError.self) {
            try CoordinatorService(
                context: context, settings: settings, store: store, proposer: CountingProposer(), pruner: NoPruning())
        }
        #expect(
            refused
                == .configurationChanged([
                    ConfigChange(path: "space.lr[0]", old: "0.001", new: "0.01"),
                    ConfigChange(path: "space.rank", old: nil, new: "8"),
                ]))
        #expect(refused?.description.contains("space.lr[0]: 0.001 → 0.01") == true)

        settings.studyConfigText = "budget = 4\nspace.lr[0] = 0.001\nspace.lr[1] = 0.1"
        settings.scheduler.budget = 4
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        _ = try CoordinatorService(
            context: context, settings: settings, store: store, proposer: CountingProposer(), pruner: NoPruning())
        #expect(try store.study()?.budget == 4)
        #expect(try store.events().last?.kind == "study.reconfigured")
        #expect(try store.events().last?.message == "budget: 1 → 4")
    }

    @Test func aStaleIncarnationIsRejectedWithoutStealingTheConnection() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        var settings = self.settings(budget: 1)
        settings.exitWhenFinished = false
        let coordinator = try RunningCoordinator(
            context: context, settings: settings, store: try StudyStore(directory: directory.url))
        defer { coordinator.stop.stop() }
        let current = try FakeWorker("w1", incarnation: 5, context: context, endpoint: coordinator.endpoint)
        try current.hello()
        #expect(try current.next()?.kind == "Welcome")
        let stale = try FakeWorker("w1", incarnation: 4, context: context, endpoint: coordinator.endpoint)
        try stale.hello()
        #expect(try stale.next(where: { $0.error != nil })?.error?.code == .unexpected)
        // The registered incarnation keeps its connection: a heartbeat naming an unknown run is answered on it
        // with a cancel (with a stolen mapping it would get "not registered").
        try current.heartbeat(busyWith: (9, 1))
        let answer = try #require(try current.next(where: { $0.kind == "CancelTrial" || $0.error != nil }))
        #expect(answer.kind == "CancelTrial")
    }
}
