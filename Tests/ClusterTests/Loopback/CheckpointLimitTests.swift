import ClusterCoreTestKit
import ClusterProto
import Foundation
import Logging
import Testing
import ZeroMQ

@testable import Cluster

/// The largest checkpoint (`WireLimits.maxBlobBytes`: `study.max_checkpoint_mib`, `--max-checkpoint-mib`) bounds
/// what a coordinator's socket accepts from anyone, and what a worker uploads.
@Suite("Checkpoint size limit")
struct CheckpointLimitTests {
    @Test(
        "a frame above the coordinator's limit never reaches it; the sender's connection is dropped, counted and logged"
    )
    func coordinatorDropsOversizeFrames() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 2)
        settings.limits.maxBlobBytes = 2048
        settings.limits.maxEnvelopeBytes = 1024
        let log = CapturedLog()
        let coordinator = try RunningCoordinator(
            context: context, settings: settings, store: store, logger: log.logger)
        defer { _ = coordinator.finish(timeout: 0) }
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        let assignment = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)

        try worker.checkpoint(
            trial: assignment.trialID, attempt: 1, epoch: 1, parameters: [UInt8](repeating: 7, count: 4096))
        try worker.checkpoint(trial: assignment.trialID, attempt: 1, epoch: 1, parameters: [1, 2, 3])
        Thread.sleep(forTimeInterval: 0.5)
        // Neither arrived: the large frame dropped the connection, and the small one queued behind it with it.
        #expect(try store.loadCheckpoint(trial: TrialID(assignment.trialID)) == nil)
        // The DEALER reconnects by itself (under a new routing id, so it registers again); a checkpoint within the
        // limit is then stored.
        let deadline = ContinuousClock.now + .seconds(10)
        while try store.loadCheckpoint(trial: TrialID(assignment.trialID)) == nil && ContinuousClock.now < deadline {
            try worker.hello()
            try worker.checkpoint(
                trial: assignment.trialID, attempt: 1, epoch: 1, parameters: [UInt8](repeating: 9, count: 2048))
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(try store.loadCheckpoint(trial: TrialID(assignment.trialID))?.parameters.count == 2048)
        // The drop is visible: a closed connection in the counters (stored at exit, shown by /metrics) and the log.
        _ = coordinator.finish(timeout: 0)
        let closed = try store.coordinatorCounters().first {
            $0.name == CoordinatorCounters.connections && $0.label == "closed"
        }
        #expect((closed?.value ?? 0) >= 1)
        let notices = log.texts(at: .notice).filter { $0.contains("a peer's connection closed") }
        #expect(notices.count >= 1)
        #expect(notices.allSatisfy { $0.contains("max_frame_bytes=2048") })
    }

    @Test("a worker does not upload a checkpoint above its limit, and says so; the trial still completes")
    func workerKeepsOversizeCheckpoints() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(
            context: context, settings: .loopback(budget: 1, maxEpochs: 2), store: store)
        defer { _ = coordinator.finish(timeout: 0) }
        let log = CapturedLog()
        let stop = StopSignal()
        let exited = DispatchSemaphore(value: 0)
        Thread {
            var settings = WorkerSettings(coordinatorEndpoint: coordinator.endpoint, workerID: "w1")
            settings.heartbeatInterval = .milliseconds(50)
            settings.limits.maxBlobBytes = 2  // FakeRunner's checkpoints are 3 bytes
            if let worker = try? WorkerService(
                context: context, settings: settings, runner: FakeRunner(), logger: log.logger)
            {
                try? worker.run(until: stop)
            }
            exited.signal()
        }.start()
        #expect(coordinator.finish(timeout: 30))
        stop.stop()
        _ = exited.wait(timeout: .now() + 10)
        let trial = try #require(try store.trials().first)
        #expect(trial.state == .complete)
        #expect(try store.loadCheckpoint(trial: trial.id) == nil)
        let errors = log.texts(at: .error)
        #expect(errors.count == 2, "one per epoch: \(errors)")
        #expect(errors.allSatisfy { $0.contains("not sent: a raw frame is larger than the cluster allows") })
        #expect(errors.allSatisfy { $0.contains("bytes=3") && $0.contains("max_bytes=2") })
        #expect(errors.allSatisfy { $0.contains("kind=CheckpointUpload") })
    }
}
