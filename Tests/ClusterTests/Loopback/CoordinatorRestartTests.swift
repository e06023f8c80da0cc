import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// A coordinator stopped mid-study and started again on the same study directory and endpoint.
@Suite struct CoordinatorRestartTests {
    private func settings(budget: Int, endpoint: String) -> CoordinatorSettings {
        var settings = CoordinatorSettings(budget: budget)
        settings.bindEndpoint = endpoint
        settings.maxEpochs = 3
        settings.tickInterval = .milliseconds(20)
        return settings
    }

    @Test func restartedCoordinatorResumesTheRunningTrialAndFinishesTheBudgetWithoutDuplicates() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        let first = try RunningCoordinator(
            context: context, settings: self.settings(budget: 2, endpoint: "tcp://127.0.0.1:*"),
            store: try StudyStore(directory: directory.url))
        let worker = try FakeWorker("w1", context: context, endpoint: first.endpoint)
        try worker.hello()
        let assignment = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        #expect(assignment.trialID == 1 && assignment.attempt == 1)
        try worker.checkpoint(trial: 1, attempt: 1, epoch: 2, parameters: WireFixtures.parameters)
        try worker.heartbeat(busyWith: (1, 1))
        // Let the checkpoint land before the coordinator goes away.
        _ = try worker.next(timeout: .milliseconds(200))
        first.stop.stop()
        #expect(first.finish(timeout: 5), "the stopped coordinator's thread did not exit")

        // Same study directory, same endpoint: the worker's DEALER reconnects by itself.
        let restarted = try RunningCoordinator.restarted(
            context: context, settings: self.settings(budget: 2, endpoint: first.endpoint), directory: directory.url)
        let second = try #require(restarted, "the restarted coordinator could not bind \(first.endpoint)")
        #expect(second.endpoint == first.endpoint)
        // A heartbeat sent before the DEALER has reconnected can be lost with the old connection (seen under load):
        // keep heartbeating until the restarted coordinator answers.
        try worker.heartbeat(busyWith: (1, 1))
        let rejected = try #require(
            try worker.next(heartbeatEvery: .milliseconds(500), where: { $0.error != nil })?.error)
        #expect(rejected.code == .notRegistered)
        try worker.hello()
        let resumed = try #require(try worker.next(where: { $0.assignment != nil }))
        #expect(resumed.assignment?.trialID == 1)
        #expect(resumed.assignment?.attempt == 2)
        #expect(resumed.assignment?.resume.epoch == 2)
        #expect(resumed.blobs == [WireFixtures.parameters])

        try worker.result(trial: 1, attempt: 2, ndcg: 0.3)
        let next = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        #expect(next.trialID == 2)
        try worker.result(trial: 2, attempt: 1, ndcg: 0.2)
        #expect(try worker.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(second.finish())

        let trials = try StudyStore.openReadOnly(directory: directory.url).trials()
        #expect(trials.map(\.id) == [1, 2])
        #expect(trials.map(\.state) == [.complete, .complete])
        #expect(trials.first?.failureReasons == [])
    }

    @Test func registrationRoundTripOnLoopback() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        var settings = self.settings(budget: 1, endpoint: "tcp://127.0.0.1:*")
        settings.exitWhenFinished = false
        let coordinator = try RunningCoordinator(
            context: context, settings: settings, store: try StudyStore(directory: directory.url))
        defer { coordinator.stop.stop() }
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        var samples: [Duration] = []
        for _ in 0..<50 {
            let start = ContinuousClock.now
            try worker.hello()
            guard try worker.next(timeout: .seconds(5), where: { $0.kind == "Welcome" }) != nil else { break }
            samples.append(ContinuousClock.now - start)
        }
        #expect(samples.count == 50)
        let median = samples.sorted()[samples.count / 2]
        print("Hello → Welcome round trip over tcp loopback (debug build): median \(median) of \(samples.count)")
        #expect(median < .milliseconds(500))
    }

    @Test func idleCoordinatorWithThreeHeartbeatingWorkersUsesLittleCPU() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        var settings = CoordinatorSettings(budget: 3)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        let coordinator = try RunningCoordinator(
            context: context, settings: settings, store: try StudyStore(directory: directory.url))
        let workers = try ["w1", "w2", "w3"].map {
            try FakeWorker($0, context: context, endpoint: coordinator.endpoint)
        }
        for worker in workers { try worker.hello() }
        let window = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < window {
            for worker in workers {
                try worker.heartbeat()
                _ = try worker.socket.receive(dontWait: true)
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        coordinator.stop.stop()
        #expect(coordinator.finish(timeout: 5))
        let cpu = coordinator.outcome.cpuSeconds.withLock { $0 }
        print("idle coordinator, 3 workers heartbeating every 0.5 s, tick 100 ms (debug build): \(cpu / 3 * 100) % CPU")
        #expect(cpu / 3 < 0.2)
    }
}
