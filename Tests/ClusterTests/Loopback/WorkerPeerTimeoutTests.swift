import Foundation
import Search
import Synchronization
import Testing
import ZeroMQ

@testable import Cluster

/// A worker learns how long its ranks wait for silent group peers from the coordinator it registers with, unless it
/// was given its own timeout, and its jobs' ring wire format from the study.
@Suite struct WorkerPeerTimeoutTests {
    /// Runs `FakeRunner` and keeps every job it is given.
    final class RecordingRunner: TrialRunner {
        let jobs = Mutex<[TrialJob]>([])

        func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
            self.jobs.withLock { $0.append(job) }
            return try FakeRunner().run(job, context: context)
        }
    }

    /// Runs a two-trial search whose coordinator declares busy workers dead after `busyDeadAfter` and sends `wire`,
    /// on one worker with `ownTimeout`.
    /// - Returns: the worker's peer timeout before it registered and when it ended, and each job it ran.
    private func run(
        busyDeadAfter: Duration, ownTimeout: Duration?, wire: AllReduceWire = .float32
    ) throws -> (before: Duration?, after: Duration?, jobs: [TrialJob]) {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 2, maxEpochs: 1)
        settings.membership.busySuspectAfter = .milliseconds(400)
        settings.membership.busyDeadAfter = busyDeadAfter
        settings.allReduceWire = wire
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        var workerSettings = WorkerSettings(coordinatorEndpoint: coordinator.endpoint, workerID: "w1")
        workerSettings.heartbeatInterval = .milliseconds(50)
        workerSettings.peerTimeout = ownTimeout
        let runner = RecordingRunner()
        let serviceSettings = workerSettings
        let worker = Mutex<(before: Duration?, after: Duration?)?>(nil)
        let stop = StopSignal()
        let served = DispatchSemaphore(value: 0)
        Thread {
            if let service = try? WorkerService(context: context, settings: serviceSettings, runner: runner) {
                let before = service.peerTimeout
                try? service.run(until: stop)
                worker.withLock { $0 = (before, service.peerTimeout) }
            }
            served.signal()
        }.start()
        #expect(coordinator.finish(timeout: 30), "the search finished")
        #expect(served.wait(timeout: .now() + 10) == .success, "the worker ended on Shutdown")
        stop.stop()
        let observed = try #require(worker.withLock { $0 }, "the worker started")
        return (observed.before, observed.after, runner.jobs.withLock { $0 })
    }

    /// `run`'s timeouts, with each job's.
    private func timeouts(
        busyDeadAfter: Duration, ownTimeout: Duration?
    ) throws -> (before: Duration?, after: Duration?, jobs: [Duration?]) {
        let run = try self.run(busyDeadAfter: busyDeadAfter, ownTimeout: ownTimeout)
        return (run.before, run.after, run.jobs.map(\.peerTimeout))
    }

    @Test func aWorkerWithoutItsOwnTimeoutWaitsAsLongAsTheCoordinatorsBusyDeadTimeout() throws {
        let timeouts = try self.timeouts(busyDeadAfter: .milliseconds(1234), ownTimeout: nil)
        #expect(timeouts.before == nil, "unknown before the Welcome")
        #expect(timeouts.after == .milliseconds(1234))
        #expect(timeouts.jobs == [.milliseconds(1234), .milliseconds(1234)])
    }

    @Test func anExplicitPeerTimeoutOverridesTheCoordinators() throws {
        let timeouts = try self.timeouts(busyDeadAfter: .milliseconds(1234), ownTimeout: .milliseconds(700))
        #expect(timeouts.before == .milliseconds(700) && timeouts.after == .milliseconds(700))
        #expect(timeouts.jobs == [.milliseconds(700), .milliseconds(700)])
    }

    @Test func theRingOfAJobWaitsItsPeerTimeout() throws {
        let links = PeerLinks(context: try ZMQContext())
        var job = TrialJob(
            trial: 7, attempt: 1, group: 1, rank: 0, worldSize: 1, peers: [], task: .synthetic(.branin),
            configuration: Configuration([:]), maxEpochs: 1, seed: 1)
        #expect(try links.group(for: job).settings.timeout == links.settings.timeout)
        job.peerTimeout = .milliseconds(1234)
        #expect(try links.group(for: job).settings.timeout == .milliseconds(1234))
    }

    @Test(arguments: AllReduceWire.allCases)
    func theStudysWireFormatReachesEveryJobAndItsRing(wire: AllReduceWire) throws {
        let jobs = try self.run(busyDeadAfter: .seconds(5), ownTimeout: nil, wire: wire).jobs
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.wire == wire })
        let links = PeerLinks(context: try ZMQContext())
        for job in jobs { #expect(try links.group(for: job).settings.wire == wire) }
    }
}
