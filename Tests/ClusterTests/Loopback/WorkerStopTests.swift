import Foundation
import Synchronization
import Testing
import ZeroMQ

@testable import Cluster

/// A stopped worker returns only after its cancelled run's training thread has returned, so the process does not
/// exit (and tear down BLAS) under a thread that is still computing.
@Suite struct WorkerStopTests {
    /// Trains until cancelled, then takes `finishing` to reach its cancellation point, as a training step does.
    final class SlowToStopRunner: TrialRunner {
        let started = DispatchSemaphore(value: 0)
        let returned = Atomic<Bool>(false)
        let finishing: TimeInterval

        init(finishing: TimeInterval) { self.finishing = finishing }

        func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
            self.started.signal()
            while !context.isCancelled { Thread.sleep(forTimeInterval: 0.01) }
            Thread.sleep(forTimeInterval: self.finishing)
            self.returned.store(true, ordering: .releasing)
            return .cancelled
        }
    }

    /// Starts a worker on a one-trial search, stops it while it trains, and says whether the runner had returned
    /// when `run(until:)` did.
    private func stopWhileTraining(finishing: TimeInterval, grace: Duration) throws -> Bool {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(
            context: context, settings: .loopback(budget: 1, maxEpochs: 1), store: store)
        var settings = WorkerSettings(coordinatorEndpoint: coordinator.endpoint, workerID: "w1")
        settings.heartbeatInterval = .milliseconds(50)
        settings.stopGrace = grace
        let runner = SlowToStopRunner(finishing: finishing)
        let stop = StopSignal()
        let runnerHadReturned = Mutex<Bool?>(nil)
        let served = DispatchSemaphore(value: 0)
        let serviceSettings = settings
        Thread {
            if let service = try? WorkerService(context: context, settings: serviceSettings, runner: runner) {
                try? service.run(until: stop)
                runnerHadReturned.withLock { $0 = runner.returned.load(ordering: .acquiring) }
            }
            served.signal()
        }.start()
        #expect(runner.started.wait(timeout: .now() + 20) == .success, "the trial started")
        stop.stop()
        #expect(served.wait(timeout: .now() + 20) == .success, "the worker stopped")
        let observed = runnerHadReturned.withLock { $0 }
        #expect(observed != nil, "the worker ran")
        return observed == true
    }

    @Test func aStoppedWorkerWaitsForItsCancelledRunToReturn() throws {
        #expect(try self.stopWhileTraining(finishing: 0.3, grace: .seconds(10)))
    }

    @Test func theWaitIsBounded() throws {
        #expect(try !self.stopWhileTraining(finishing: 3, grace: .milliseconds(200)))
    }
}
