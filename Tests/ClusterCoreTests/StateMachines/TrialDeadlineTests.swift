import ClusterCore
import ClusterCoreTestKit
import Testing

/// The trial deadline (a run whose rank 0 heartbeats without progress is re-queued) and the back-off of repeated
/// cancels, on the coordinator's core with explicit time.
@Suite struct TrialDeadlineTests {
    /// A core whose runs may go `deadline` without progress, with idle workers `workers` registered at t=0.
    private func core(deadline: Duration?, groupSize: Int = 1, workers: [WorkerID] = ["a", "b"]) -> CoordinatorCore {
        var settings = SchedulerSettings(budget: 1, groupSize: groupSize)
        settings.trialDeadline = deadline
        var core = CoordinatorCore(
            membership: WorkerMembership(settings: WorkerMembershipTests.settings),
            scheduler: TrialScheduler(settings: settings))
        for worker in workers {
            _ = core.onHello(WorkerInfo(id: worker, incarnation: 1, peerEndpoint: "tcp://127.0.0.1:1"), now: .zero)
        }
        return core
    }

    /// Starts the study's trial on the first group.
    private func start(_ core: inout CoordinatorCore, _ proposer: inout CountingProposer) -> AssignmentPlan {
        core.fill(proposer: &proposer).scheduled.assignments[0]
    }

    private func at(_ epoch: Int, _ step: Int) -> TrainingPosition { TrainingPosition(epoch: epoch, step: step) }

    /// One second of a study: every worker heartbeats (busy with its run in `busy`, at its position, else idle),
    /// then the coordinator ticks.
    private func second(
        _ second: Int, _ core: inout CoordinatorCore, busy: [WorkerID: (TrialID, Int, TrainingPosition)],
        idle: [WorkerID] = ["b"]
    ) -> [SchedulerDirective] {
        let now = ClusterTime.seconds(Double(second))
        var directives: [CoordinatorDirective] = []
        for (worker, run) in busy.sorted(by: { $0.key < $1.key }) {
            directives += core.onHeartbeat(from: worker, incarnation: 1, runs: run, now: now)
        }
        for worker in idle { directives += core.onHeartbeat(from: worker, incarnation: 1, runs: nil, now: now) }
        return (directives + core.onTick(now: now)).scheduled
    }

    @Test func aRunThatHeartbeatsWithoutProgressIsRequeuedFromItsCheckpointAtTheDeadline() throws {
        var core = self.core(deadline: .seconds(60))
        var proposer = CountingProposer()
        let plan = self.start(&core, &proposer)
        #expect(plan.members == ["a"])
        _ = core.onReport(
            .checkpoint(trial: plan.trial, attempt: 1, epoch: 1), from: "a", now: .seconds(1), pruner: NoPruning())
        var stalledAt: Int?
        var directives: [SchedulerDirective] = []
        for second in 1...100 {
            directives = self.second(second, &core, busy: ["a": (plan.trial, 1, self.at(1, 3))])
            if !directives.cancels.isEmpty {
                stalledAt = second
                break
            }
        }
        // The checkpoint at t=1 was its last progress: more than 60 s later is t=62.
        #expect(stalledAt == 62)
        #expect(directives.cancels.map(\.workers) == [["a"]])
        #expect(directives.cancels.map(\.reason) == [.reassigned])
        let trial = try #require(core.scheduler.trials[plan.trial])
        #expect(trial.state == .waiting && trial.failedAttempts == 1)
        #expect(trial.failureReasons == ["attempt 1: no progress for 60 s (heartbeat.trial_deadline)"])
        #expect(!core.membership.members["a"]!.isBusy)
        // The hung worker gets no new work while it still says it trains; the trial resumes on b.
        let resumed = core.fill(proposer: &proposer).scheduled.assignments
        #expect(resumed.map(\.members) == [["b"]])
        #expect(resumed.map(\.attempt) == [2] && resumed.map(\.resumeEpoch) == [1])
    }

    @Test func theRetryCapCountsStalledRuns() throws {
        let workers: [WorkerID] = ["a", "b", "c"]
        var core = self.core(deadline: .seconds(5), workers: workers)
        var proposer = CountingProposer()
        var runs = [self.start(&core, &proposer)]
        for second in 1...40 {
            let current = runs[runs.count - 1]
            let rankZero = current.members[0]
            let busy = [rankZero: (current.trial, current.attempt, self.at(0, 0))]
            _ = self.second(second, &core, busy: busy, idle: workers.filter { $0 != rankZero })
            runs += core.fill(proposer: &proposer).scheduled.assignments
        }
        #expect(runs.map(\.attempt) == [1, 2, 3])
        let trial = try #require(core.scheduler.trials[runs[0].trial])
        #expect(trial.state == .failed && trial.failedAttempts == 3)
    }

    @Test func progressBeforeTheDeadlineStartsItsClockAgain() {
        var core = self.core(deadline: .seconds(10))
        var proposer = CountingProposer()
        let plan = self.start(&core, &proposer)
        var stalledAt: Int?
        for second in 1...60 {
            // Rank 0 takes a step at t=8 and t=16, reports an epoch at t=24, then hangs; its heartbeat at t=12 shows
            // an earlier step (not progress).
            let step = second == 12 ? 0 : min(second / 8, 2)
            let position = second >= 24 ? self.at(1, 0) : self.at(0, step)
            if second == 24 {
                _ = core.onReport(
                    .progress(trial: plan.trial, attempt: 1, epoch: 1, metrics: [:], seconds: 24), from: "a",
                    now: .seconds(24), pruner: NoPruning())
            }
            if !self.second(second, &core, busy: ["a": (plan.trial, 1, position)]).cancels.isEmpty {
                stalledAt = second
                break
            }
        }
        #expect(stalledAt == 35)
    }

    @Test func aDeadlineOfNoneNeverFires() {
        var core = self.core(deadline: nil)
        var proposer = CountingProposer()
        let plan = self.start(&core, &proposer)
        for minute in 1...600 {
            let directives = self.second(minute * 60, &core, busy: ["a": (plan.trial, 1, self.at(0, 0))])
            #expect(directives.cancels.isEmpty)
        }
        #expect(core.scheduler.trials[plan.trial]?.state == .running)
    }

    @Test func heartbeatsOfACancelledRunAreAnsweredWithOneCancelThenOnlyAfterABackOff() {
        var core = self.core(deadline: .seconds(5))
        var proposer = CountingProposer()
        let plan = self.start(&core, &proposer)
        var cancelledAt: [Int] = []
        for second in 1...100 {
            let directives = self.second(second, &core, busy: ["a": (plan.trial, 1, self.at(0, 0))])
            cancelledAt += directives.cancels.map { _ in second }
        }
        // Stalled at t=7 (its clock started at t=1); repeats 10, then 20, then 40 s later.
        #expect(cancelledAt == [7, 17, 37, 77])
    }

    @Test func aRankThatKeepsHeartbeatingAFailedRunIsCancelledOnce() {
        var core = self.core(deadline: nil, groupSize: 2)
        var proposer = CountingProposer()
        let plan = self.start(&core, &proposer)
        #expect(plan.members == ["a", "b"])
        let failure = core.onReport(
            .failure(trial: plan.trial, attempt: 1, reason: "peer timeout", retryable: true), from: "b",
            now: .seconds(1), pruner: NoPruning())
        #expect(failure.scheduled.cancels.map(\.workers) == [["a"]])
        for second in 2...9 {
            let directives = self.second(second, &core, busy: ["a": (plan.trial, 1, self.at(0, 0))], idle: [])
            #expect(directives.cancels.isEmpty, "t=\(second)")
        }
    }
}
