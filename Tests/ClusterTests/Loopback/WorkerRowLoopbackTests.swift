import ClusterCoreTestKit
import Foundation
import Testing
import ZeroMQ

@testable import Cluster

/// The stored worker rows (`mixrec status`, the dashboard, `/metrics`) follow a worker's busy flag.
@Suite("Worker rows")
struct WorkerRowLoopbackTests {
    @Test("a worker's row says busy while its trial runs and idle once its result is accepted, without a row batch")
    func busyFlagFollowsTheTrial() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 2)
        // No heartbeat-driven row writes within the test: only the transitions themselves may change the row.
        settings.workerRowInterval = .seconds(600)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        defer { _ = coordinator.finish(timeout: 0) }
        let stop = StopSignal()
        defer { stop.stop() }
        let exited = startWorkerThread(
            "w1", context: context, endpoint: coordinator.endpoint, stop: stop, runner: FakeRunner(epochSeconds: 0.5))
        defer { _ = exited.wait(timeout: .now() + 10) }

        let deadline = ContinuousClock.now + .seconds(5)
        var busyWhileRunning = false
        while !busyWhileRunning && ContinuousClock.now < deadline {
            busyWhileRunning = try store.workers().first { $0.id == "w1" }?.busy == true
            if !busyWhileRunning { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(busyWhileRunning, "the assignment's transition wrote the row busy")
        #expect(try store.trials().first?.state == .running)

        #expect(coordinator.finish(timeout: 30), "the study finished")
        #expect(try store.trials().first?.state == .complete)
        let row = try #require(try store.workers().first { $0.id == "w1" })
        #expect(!row.busy, "the result's transition wrote the row idle")
    }
}
