import ClusterCore
import ClusterCoreTestKit
import Testing

/// A worker the schedule has in a running trial's group heartbeats idle (its assignment was lost, or it restarted its
/// run loop): after the grace (`busyDeadAfter`, 10 s here) the run ends like a lost worker's. Explicit time, no ticks.
@Suite struct IdleHeartbeatTests {
    /// A core with groups of `groupSize` and workers `workers` registered at t=0.
    private func core(groupSize: Int, workers: [WorkerID]) -> CoordinatorCore {
        var core = CoordinatorCore(
            membership: WorkerMembership(settings: WorkerMembershipTests.settings),
            scheduler: TrialScheduler(settings: SchedulerSettings(budget: 1, groupSize: groupSize)))
        for worker in workers {
            _ = core.onHello(WorkerInfo(id: worker, incarnation: 1, peerEndpoint: "tcp://127.0.0.1:1"), now: .zero)
        }
        return core
    }

    private func idle(_ worker: WorkerID, _ core: inout CoordinatorCore, at seconds: Double) -> [SchedulerDirective] {
        core.onHeartbeat(from: worker, incarnation: 1, runs: nil, now: .seconds(seconds)).scheduled
    }

    private func busy(
        _ worker: WorkerID, _ core: inout CoordinatorCore, with plan: AssignmentPlan, at seconds: Double
    ) -> [SchedulerDirective] {
        let runs = (plan.trial, plan.attempt, TrainingPosition(epoch: 0, step: 0))
        return core.onHeartbeat(from: worker, incarnation: 1, runs: runs, now: .seconds(seconds)).scheduled
    }

    @Test func aMemberThatSaysIdleForTheGraceEndsItsRunOnce() throws {
        var core = self.core(groupSize: 2, workers: ["a", "b"])
        var proposer = CountingProposer()
        let plan = try #require(core.fill(proposer: &proposer).scheduled.assignments.first)
        #expect(plan.members == ["a", "b"])
        // b never got its assignment: it says idle from t=1 on, a trains.
        for second in 1...10 {
            #expect(self.busy("a", &core, with: plan, at: Double(second)).isEmpty)
            #expect(self.idle("b", &core, at: Double(second)).isEmpty, "within the grace, t=\(second)")
        }
        #expect(core.scheduler.trials[plan.trial]?.state == .running)
        let ended = self.idle("b", &core, at: 11)
        #expect(ended.cancels.map(\.workers) == [["a"]] && ended.cancels.map(\.reason) == [.reassigned])
        let reason = "worker b reported idle while running trial \(plan.trial) attempt 1"
        #expect(ended.contains(.groupDissolved(plan.group, reason: reason)))
        let trial = try #require(core.scheduler.trials[plan.trial])
        #expect(trial.state == .waiting && trial.failedAttempts == 1)
        #expect(trial.failureReasons == ["attempt 1: \(reason)"])
        #expect(core.scheduler.groups.isEmpty && core.scheduler.idleWorkers == ["b"])
        #expect(core.membership.members["b"]?.isBusy == false && core.membership.members["a"]?.isBusy == false)
        // More idle heartbeats re-queue nothing again.
        #expect(self.idle("b", &core, at: 12).isEmpty && self.idle("b", &core, at: 30).isEmpty)
        #expect(core.scheduler.trials[plan.trial]?.failedAttempts == 1)
        #expect(core.scheduler.waitingQueue == [plan.trial])
    }

    @Test func theRequeuedRunResumesFromItsCheckpointAndGetsAGraceOfItsOwn() throws {
        var core = self.core(groupSize: 1, workers: ["a"])
        var proposer = CountingProposer()
        let plan = try #require(core.fill(proposer: &proposer).scheduled.assignments.first)
        _ = self.busy("a", &core, with: plan, at: 1)
        _ = core.onReport(
            .checkpoint(trial: plan.trial, attempt: 1, epoch: 2), from: "a", now: .seconds(2), pruner: NoPruning())
        // a restarted its run loop: idle from t=3 on.
        #expect(self.idle("a", &core, at: 3).isEmpty)
        #expect(self.idle("a", &core, at: 13).contains { if case .trialChanged = $0 { true } else { false } })
        let resumed = core.fill(proposer: &proposer).scheduled.assignments
        #expect(resumed.map(\.members) == [["a"]])
        #expect(resumed.map(\.attempt) == [2] && resumed.map(\.resumeEpoch) == [2])
        let rerun = try #require(resumed.first)
        // An idle heartbeat just after the new assignment (sent before it arrived) starts the new run's grace.
        #expect(self.idle("a", &core, at: 13.5).isEmpty)
        #expect(self.idle("a", &core, at: 20).isEmpty)
        // A late heartbeat of the old run is cancelled without touching the new one.
        #expect(self.busy("a", &core, with: plan, at: 21).cancels.map(\.attempt) == [1])
        #expect(core.scheduler.trials[plan.trial]?.state == .running)
        #expect(self.busy("a", &core, with: rerun, at: 22).isEmpty)
        _ = core.onReport(
            .result(trial: plan.trial, attempt: 2, metrics: ["valid/ndcg@10": 0.3], seconds: 9), from: "a",
            now: .seconds(23), pruner: NoPruning())
        #expect(core.scheduler.trials[plan.trial]?.state == .complete)
    }

    @Test func aBusyHeartbeatOrTheRunsEndStartsTheCountAgain() throws {
        var core = self.core(groupSize: 2, workers: ["a", "b"])
        var proposer = CountingProposer()
        let plan = try #require(core.fill(proposer: &proposer).scheduled.assignments.first)
        // b's heartbeat at t=0.5 left before its assignment arrived; from t=1 it trains.
        #expect(self.idle("b", &core, at: 0.5).isEmpty)
        #expect(self.busy("b", &core, with: plan, at: 1).isEmpty)
        #expect(self.idle("b", &core, at: 11).isEmpty, "idle again at t=11: its grace starts there")
        // b's run ended a moment before rank 0's result arrived: the trial completes, nothing is re-queued.
        _ = core.onReport(
            .result(trial: plan.trial, attempt: 1, metrics: ["valid/ndcg@10": 0.3], seconds: 9), from: "a",
            now: .seconds(12), pruner: NoPruning())
        #expect(self.idle("b", &core, at: 30).isEmpty)
        let trial = try #require(core.scheduler.trials[plan.trial])
        #expect(trial.state == .complete && trial.failedAttempts == 0)
    }
}
