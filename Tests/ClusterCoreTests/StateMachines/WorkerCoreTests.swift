import Search
import Testing

@testable import ClusterCore

/// The worker's protocol logic with explicit time (seconds since the core was created), no sockets, no sleeps.
@Suite struct WorkerCoreTests {
    /// Hello every second, heartbeats every half second until the Welcome says otherwise, progress every minute
    /// (out of the way except in the progress test).
    static let settings = WorkerTiming(
        heartbeatInterval: .milliseconds(500), helloRetry: .seconds(1), progressInterval: .seconds(60))

    static func job(_ trial: TrialID, attempt: Int = 1, rank: Int = 0) -> TrialJob {
        TrialJob(
            trial: trial, attempt: attempt, group: 1, rank: rank, worldSize: rank + 1, peers: [],
            task: .synthetic(.branin), configuration: Configuration(["x": .int(Int(trial.rawValue))]), maxEpochs: 3,
            seed: 1)
    }

    /// `job` as the core starts it: with the peer timeout it knows.
    static func started(_ job: TrialJob, peerTimeout: Duration? = .seconds(10)) -> TrialJob {
        var job = job
        job.peerTimeout = peerTimeout
        return job
    }

    /// A core that said Hello at t=0 and was welcomed at t=0 with a 1 s heartbeat interval and a 10 s busy timeout.
    private func registered(settings: WorkerTiming = Self.settings) -> WorkerCore {
        var core = WorkerCore(timing: settings)
        _ = core.handle(.tick, now: .zero)
        _ = core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: .seconds(10)), now: .zero)
        return core
    }

    /// A registered core training `job`, started at t=0.
    private func training(_ job: TrialJob) -> WorkerCore {
        var core = self.registered()
        _ = core.handle(.assignment(job), now: .zero)
        return core
    }

    /// Ticks every 100 ms after `start` up to `end` and returns the times of the heartbeats and what each named.
    private func heartbeats(
        _ core: inout WorkerCore, from start: ClusterTime, to end: ClusterTime
    ) -> [(at: ClusterTime, busyWith: RunID?)] {
        var sent: [(ClusterTime, RunID?)] = []
        var now = start
        while now < end {
            now = now + .milliseconds(100)
            for case .sendHeartbeat(let run) in core.handle(.tick, now: now) { sent.append((now, run)) }
        }
        return sent
    }

    // MARK: - Registration

    @Test func helloIsRepeatedEveryRetryIntervalUntilTheWelcome() {
        var core = WorkerCore(timing: Self.settings)
        #expect(core.handle(.tick, now: .zero) == [.sendHello])
        #expect(core.handle(.tick, now: .seconds(0.5)) == [], "no heartbeat before the Welcome either")
        #expect(core.handle(.tick, now: .seconds(0.999)) == [])
        #expect(core.handle(.tick, now: .seconds(1)) == [.sendHello])
        #expect(core.handle(.tick, now: .seconds(1.5)) == [])
        #expect(core.handle(.tick, now: .seconds(2)) == [.sendHello])
        #expect(core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: nil), now: .seconds(2.1)) == [])
        #expect(core.isRegistered)
        #expect(core.handle(.tick, now: .seconds(3)) == [.sendHeartbeat(busyWith: nil)])
        #expect(core.handle(.tick, now: .seconds(3.5)) == [])
        #expect(core.handle(.tick, now: .seconds(4)) == [.sendHeartbeat(busyWith: nil)])
    }

    @Test func theWelcomesHeartbeatIntervalReplacesTheSettingsOne() {
        var core = self.registered()
        let idle = self.heartbeats(&core, from: .zero, to: .seconds(3))
        #expect(idle.map(\.at) == [.seconds(1), .seconds(2), .seconds(3)], "every 1 s, not every 0.5 s")
        #expect(idle.allSatisfy { $0.busyWith == nil })
    }

    @Test func notRegisteredSendsHelloAtOnceAndStopsHeartbeatsUntilTheNextWelcome() {
        var core = self.registered()
        #expect(core.handle(.notRegistered, now: .seconds(0.5)) == [])
        #expect(core.handle(.notRegistered, now: .seconds(0.5)) == [], "a burst of rejections")
        #expect(core.handle(.tick, now: .seconds(0.5)) == [.sendHello], "not waiting for the retry interval")
        #expect(core.handle(.tick, now: .seconds(1)) == [], "unregistered: no heartbeat")
        #expect(core.handle(.tick, now: .seconds(1.5)) == [.sendHello])
        _ = core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: .seconds(10)), now: .seconds(1.6))
        #expect(core.handle(.tick, now: .seconds(1.7)) == [.sendHeartbeat(busyWith: nil)], "overdue since t=1")
        #expect(core.handle(.tick, now: .seconds(2.5)) == [])
    }

    @Test func aCoordinatorRestartDuringTrainingKeepsTheRunAndHeartbeatsNameItAfterRegisteringAgain() {
        let job = Self.job(1)
        var core = self.training(job)
        #expect(core.handle(.notRegistered, now: .seconds(0.3)) == [], "the run is not cancelled")
        #expect(core.handle(.tick, now: .seconds(0.3)) == [.sendHello])
        #expect(core.running == Self.started(job))
        _ = core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: .seconds(10)), now: .seconds(0.4))
        let busy = self.heartbeats(&core, from: .seconds(0.4), to: .seconds(2))
        #expect(busy.map(\.at) == [.seconds(1), .seconds(2)])
        #expect(busy.allSatisfy { $0.busyWith == job.run }, "the restarted coordinator learns what this worker runs")
    }

    @Test func aRestartedCoordinatorsWelcomeTimesTheHeartbeatsOfTheRunningRunAndThePeerTimeoutOfTheNext() {
        let job = Self.job(1)
        var core = self.training(job)
        _ = core.handle(.notRegistered, now: .seconds(0.5))
        #expect(core.handle(.tick, now: .seconds(0.5)) == [.sendHello])
        _ = core.handle(.welcome(heartbeatInterval: .seconds(2), busyDeadAfter: .seconds(4)), now: .seconds(0.6))
        let busy = self.heartbeats(&core, from: .seconds(0.6), to: .seconds(5))
        #expect(busy.map(\.at) == [.seconds(2), .seconds(4)], "every 2 s, no longer every 1 s")
        #expect(busy.allSatisfy { $0.busyWith == job.run })
        #expect(core.running == Self.started(job), "the run keeps the peer timeout it started with")
        let next = Self.job(2)
        _ = core.handle(.runEnded(Self.started(job), .cancelled), now: .seconds(5))
        let started = Self.started(next, peerTimeout: .seconds(4))
        #expect(core.handle(.assignment(next), now: .seconds(5)) == [.startRun(started)], "the new busy timeout")
    }

    // MARK: - Heartbeats while training

    @Test func heartbeatsStayOnTimeWhileTrainingAndNameTheRun() {
        let job = Self.job(1)
        var core = self.training(job)
        let busy = self.heartbeats(&core, from: .zero, to: .seconds(3))
        #expect(busy.map(\.at) == [.seconds(1), .seconds(2), .seconds(3)])
        #expect(busy.allSatisfy { $0.busyWith == job.run })
        _ = core.handle(.runEnded(Self.started(job), .cancelled), now: .seconds(3.2))
        #expect(self.heartbeats(&core, from: .seconds(3.2), to: .seconds(4)).map(\.busyWith) == [nil])
    }

    @Test func progressIsShownEveryIntervalOnlyWhileTraining() {
        var settings = Self.settings
        settings.progressInterval = .milliseconds(250)
        var core = WorkerCore(timing: settings)
        let job = Self.job(1)
        #expect(core.handle(.tick, now: .seconds(0.3)) == [.sendHello], "idle: no progress")
        _ = core.handle(.assignment(job), now: .seconds(0.3))
        #expect(core.handle(.tick, now: .seconds(0.4)) == [.showProgress(job.run)])
        #expect(core.handle(.tick, now: .seconds(0.6)) == [])
        #expect(core.handle(.tick, now: .seconds(0.65)) == [.showProgress(job.run)])
        _ = core.handle(.runEnded(Self.started(job, peerTimeout: nil), .cancelled), now: .seconds(0.7))
        #expect(core.handle(.tick, now: .seconds(1)) == [])
    }

    // MARK: - Assignments

    @Test func anIdleWorkerStartsAnAssignmentAtOnceWithItsPeerTimeout() {
        var core = self.registered()
        let job = Self.job(1)
        #expect(core.handle(.assignment(job), now: .seconds(1)) == [.startRun(Self.started(job))])
        #expect(core.running == Self.started(job))
        #expect(core.pending == nil)
    }

    @Test func anAssignmentWhileBusyCancelsTheCurrentRunAndStartsWhenItHasEnded() {
        let first = Self.job(1)
        let second = Self.job(2)
        var core = self.training(first)
        #expect(core.handle(.assignment(second), now: .seconds(1)) == [.cancelRun(first.run)])
        #expect(core.running == Self.started(first), "the cancelled run trains until its thread returns")
        #expect(core.pending == Self.started(second))
        #expect(core.handle(.tick, now: .seconds(1)) == [.sendHeartbeat(busyWith: first.run)])
        #expect(
            core.handle(.runEnded(Self.started(first), .cancelled), now: .seconds(1.5)) == [
                .startRun(Self.started(second))
            ])
        #expect(core.running == Self.started(second))
        #expect(core.pending == nil)
    }

    @Test func aNewerAssignmentReplacesThePendingOne() {
        var core = self.training(Self.job(1))
        _ = core.handle(.assignment(Self.job(2)), now: .seconds(1))
        #expect(core.handle(.assignment(Self.job(3)), now: .seconds(1.1)) == [.cancelRun(Self.job(1).run)])
        #expect(
            core.handle(.runEnded(Self.started(Self.job(1)), .cancelled), now: .seconds(2))
                == [.startRun(Self.started(Self.job(3)))])
    }

    // MARK: - Cancels and reports

    @Test func aCancelRaisesTheCurrentRunsFlagAndItIsForgottenWhenItsThreadReturns() {
        let job = Self.job(1, attempt: 2)
        var core = self.training(job)
        #expect(core.handle(.cancel(RunID(trial: 1, attempt: 1)), now: .seconds(0.5)) == [], "another attempt")
        #expect(core.handle(.cancel(RunID(trial: 2, attempt: 2)), now: .seconds(0.5)) == [], "another trial")
        #expect(core.handle(.cancel(job.run), now: .seconds(0.5)) == [.cancelRun(job.run)])
        #expect(core.running == Self.started(job))
        #expect(core.handle(.runEnded(Self.started(job), .cancelled), now: .seconds(0.8)) == [], "nothing to report")
        #expect(core.running == nil)
        #expect(core.handle(.tick, now: .seconds(1)) == [.sendHeartbeat(busyWith: nil)])
    }

    @Test func aCancelledPendingRunNeverStarts() {
        var core = self.training(Self.job(1))
        _ = core.handle(.assignment(Self.job(2)), now: .seconds(1))
        #expect(core.handle(.cancel(Self.job(2).run), now: .seconds(1.1)) == [], "the current run is already cancelled")
        #expect(core.pending == nil)
        #expect(core.handle(.runEnded(Self.started(Self.job(1)), .cancelled), now: .seconds(2)) == [])
        #expect(core.running == nil)
    }

    @Test func aRepeatedAssignmentOfTheRunningPendingOrEndedRunStartsNothing() {
        var core = self.training(Self.job(1))
        #expect(core.handle(.assignment(Self.job(1)), now: .seconds(0.5)) == [], "no second run, no cancel")
        #expect(core.running == Self.started(Self.job(1)))
        _ = core.handle(.assignment(Self.job(2)), now: .seconds(1))
        #expect(core.handle(.assignment(Self.job(2)), now: .seconds(1.1)) == [], "already waiting")
        #expect(
            core.handle(.runEnded(Self.started(Self.job(1)), .cancelled), now: .seconds(2))
                == [.startRun(Self.started(Self.job(2)))])
        #expect(core.handle(.assignment(Self.job(1)), now: .seconds(2.1)) == [], "a late copy of an ended run")
        #expect(core.handle(.cancel(Self.job(2).run), now: .seconds(2.2)) == [.cancelRun(Self.job(2).run)])
        #expect(core.handle(.cancel(Self.job(2).run), now: .seconds(2.3)) == [.cancelRun(Self.job(2).run)])
        _ = core.handle(.runEnded(Self.started(Self.job(2)), .cancelled), now: .seconds(2.5))
        #expect(core.handle(.cancel(Self.job(2).run), now: .seconds(2.6)) == [], "a repeated cancel is ignored")
        #expect(core.handle(.assignment(Self.job(2)), now: .seconds(2.7)) == [], "a cancelled run never restarts")
        #expect(
            core.handle(.assignment(Self.job(2, attempt: 2)), now: .seconds(3))
                == [.startRun(Self.started(Self.job(2, attempt: 2)))], "a new attempt is a new run")
    }

    @Test func rankZeroReportsResultsAndEveryRankReportsFailures() {
        let metrics: Metrics = ["valid/ndcg@10": 0.25]
        let leader = Self.started(Self.job(1))
        let member = Self.started(Self.job(1, rank: 1))
        var core = self.registered()
        #expect(
            core.handle(.runEnded(leader, .finished(metrics, epochs: 3, seconds: 4.5)), now: .seconds(1))
                == [.reportResult(leader.run, metrics, epochs: 3, seconds: 4.5)])
        #expect(core.handle(.runEnded(member, .finished(metrics, epochs: 3, seconds: 4.5)), now: .seconds(1)) == [])
        #expect(
            core.handle(.runEnded(member, .failed(reason: "peer gone", retryable: true)), now: .seconds(1))
                == [.reportFailure(member.run, reason: "peer gone", retryable: true)])
        #expect(core.handle(.runEnded(leader, .cancelled), now: .seconds(1)) == [])
    }

    // MARK: - Held results

    @Test func aHeldResultKeepsTheHeartbeatsBusyWithItsRunPastTheBusyTimeoutUntilItIsSent() {
        let job = Self.job(1)
        let metrics: Metrics = ["valid/ndcg@10": 0.25]
        var core = self.training(job)
        #expect(
            core.handle(.runEnded(Self.started(job), .finished(metrics, epochs: 3, seconds: 2)), now: .seconds(2))
                == [.reportResult(job.run, metrics, epochs: 3, seconds: 2)])
        // The shell holds the result back: its run's final checkpoint upload is not acknowledged yet.
        #expect(core.handle(.resultHeld(job.run), now: .seconds(2)) == [])
        #expect(core.running == nil && core.heldResults == [job.run])
        // 15 s of holding, beyond the coordinator's 10 s busy timeout: every heartbeat names the run.
        let held = self.heartbeats(&core, from: .seconds(2), to: .seconds(17))
        #expect(held.count == 15 && held.allSatisfy { $0.busyWith == job.run })
        // The checkpoint is acknowledged and the result sent: idle from then on.
        #expect(core.handle(.resultReleased(job.run), now: .seconds(17.05)) == [])
        let idle = self.heartbeats(&core, from: .seconds(17.05), to: .seconds(19.05))
        #expect(idle.count == 2 && idle.allSatisfy { $0.busyWith == nil })
    }

    @Test func aRunThatTrainsComesFirstAndACancelOrShutdownDropsAHeldRun() {
        let (first, second) = (Self.job(1), Self.job(2))
        var core = self.registered()
        _ = core.handle(.resultHeld(first.run), now: .zero)
        _ = core.handle(.assignment(second), now: .zero)
        #expect(core.handle(.tick, now: .seconds(1)) == [.sendHeartbeat(busyWith: second.run)], "the training one")
        _ = core.handle(.runEnded(Self.started(second), .cancelled), now: .seconds(1.5))
        #expect(core.handle(.tick, now: .seconds(2)) == [.sendHeartbeat(busyWith: first.run)], "then the held one")
        // The coordinator cancels the held run: its result will not be sent, the worker is idle.
        #expect(core.handle(.cancel(first.run), now: .seconds(2.5)) == [])
        #expect(core.heldResults.isEmpty)
        #expect(core.handle(.tick, now: .seconds(3)) == [.sendHeartbeat(busyWith: nil)])
        // Shutdown forgets held results too.
        _ = core.handle(.resultHeld(second.run), now: .seconds(3.5))
        #expect(core.handle(.tick, now: .seconds(4)) == [.sendHeartbeat(busyWith: second.run)])
        #expect(core.handle(.shutdown, now: .seconds(4.5)) == [])
        #expect(core.heldResults.isEmpty && core.isDone)
    }

    // MARK: - Shutdown

    @Test func shutdownDropsThePendingRunCancelsTheCurrentOneAndIsDoneWhenItHasEnded() {
        let job = Self.job(1)
        var core = self.training(job)
        _ = core.handle(.assignment(Self.job(2)), now: .seconds(0.2))
        #expect(core.handle(.shutdown, now: .seconds(0.5)) == [.cancelRun(job.run)])
        #expect(!core.isDone, "the cancelled run still trains")
        #expect(core.handle(.tick, now: .seconds(1)) == [.sendHeartbeat(busyWith: job.run)], "still heartbeating")
        _ = core.handle(.notRegistered, now: .seconds(1.2))
        #expect(core.handle(.tick, now: .seconds(1.2)) == [], "no new registration while shutting down")
        #expect(core.handle(.runEnded(Self.started(job), .cancelled), now: .seconds(1.5)) == [], "job 2 not started")
        #expect(core.isDone)
    }

    @Test func shutdownOfAnIdleWorkerIsDoneAtOnce() {
        var core = self.registered()
        #expect(core.handle(.shutdown, now: .seconds(1)) == [])
        #expect(core.isDone)
    }

    // MARK: - Peer timeout

    @Test func jobsWaitForGroupPeersAsLongAsTheWelcomesBusyTimeout() {
        var core = WorkerCore(timing: Self.settings)
        #expect(core.peerTimeout == nil, "unknown before the Welcome")
        _ = core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: .milliseconds(1234)), now: .zero)
        #expect(core.peerTimeout == .milliseconds(1234))
        let job = Self.job(1)
        #expect(
            core.handle(.assignment(job), now: .zero) == [
                .startRun(Self.started(job, peerTimeout: .milliseconds(1234)))
            ])
        _ = core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: nil), now: .seconds(1))
        #expect(core.peerTimeout == nil, "a coordinator that sends none leaves the ring's default")
    }

    @Test func theWorkersOwnPeerTimeoutOverridesTheWelcomes() {
        var settings = Self.settings
        settings.peerTimeout = .milliseconds(700)
        var core = WorkerCore(timing: settings)
        #expect(core.peerTimeout == .milliseconds(700))
        _ = core.handle(.welcome(heartbeatInterval: .seconds(1), busyDeadAfter: .milliseconds(1234)), now: .zero)
        let job = Self.job(1)
        #expect(
            core.handle(.assignment(job), now: .zero) == [.startRun(Self.started(job, peerTimeout: .milliseconds(700)))]
        )
    }
}
