import ClusterCore
import ClusterCoreTestKit
import Testing

/// Reports a worker sends again because their Ack was lost: each is recognised from the trials and changes nothing.
@Suite struct RepeatedReportTests {
    private let metrics: Metrics = ["valid/ndcg@10": 0.5]

    /// A core with one registered worker "a" running trial 1 (attempt 1) of a budget of `budget`.
    private func running(budget: Int = 2) -> CoordinatorCore {
        var core = CoordinatorCore(
            membership: WorkerMembership(settings: WorkerMembershipTests.settings),
            scheduler: TrialScheduler(settings: SchedulerSettings(budget: budget, groupSize: 1)))
        var proposer = CountingProposer()
        _ = core.onHello(WorkerInfo(id: "a", incarnation: 1, peerEndpoint: ""), now: .zero)
        _ = core.fill(proposer: &proposer)
        return core
    }

    private func report(_ core: inout CoordinatorCore, _ report: WorkerReport) -> [CoordinatorDirective] {
        core.onReport(report, from: "a", now: .seconds(1), pruner: NoPruning())
    }

    @Test func aRepeatedResultChangesNothing() {
        var core = self.running()
        let result = WorkerReport.result(trial: 1, attempt: 1, metrics: self.metrics, seconds: 2)
        #expect(!self.report(&core, result).scheduled.isEmpty, "the first result completes the trial")
        let trials = core.scheduler.trials
        #expect(self.report(&core, result).scheduled.isEmpty, "no change, no rejection, no cancel")
        #expect(core.scheduler.trials == trials)
        #expect(core.scheduler.isRepeat(result, from: "a"))
        #expect(!core.scheduler.isRepeat(result, from: "b"), "only from the run's rank 0")
        #expect(
            !core.scheduler.isRepeat(.result(trial: 1, attempt: 2, metrics: self.metrics, seconds: 2), from: "a"))
    }

    @Test func aRepeatedCheckpointIsNotStoredAgainButANewerOneIsEvenAfterTheResult() {
        var core = self.running()
        let second = WorkerReport.checkpoint(trial: 1, attempt: 1, epoch: 2)
        #expect(self.report(&core, second).scheduled.contains(.storeCheckpoint(1, attempt: 1, epoch: 2)))
        #expect(self.report(&core, second).scheduled.isEmpty)
        #expect(
            self.report(&core, .checkpoint(trial: 1, attempt: 1, epoch: 1)).scheduled.isEmpty,
            "an older epoch than the stored one changes nothing either")
        #expect(
            self.report(&core, .checkpoint(trial: 1, attempt: 1, epoch: 3)).scheduled.contains(
                .storeCheckpoint(1, attempt: 1, epoch: 3)))
        _ = self.report(&core, .result(trial: 1, attempt: 1, metrics: self.metrics, seconds: 2))
        #expect(self.report(&core, .checkpoint(trial: 1, attempt: 1, epoch: 3)).scheduled.isEmpty)
        let late = self.report(&core, .checkpoint(trial: 1, attempt: 1, epoch: 4)).scheduled
        #expect(
            late.contains(.storeCheckpoint(1, attempt: 1, epoch: 4)),
            "a newer checkpoint re-sent after the result (its first copy was lost) is stored for the export")
        #expect(core.scheduler.trials[1]?.state == .complete && core.scheduler.trials[1]?.checkpointEpoch == 4)
        #expect(self.report(&core, .checkpoint(trial: 1, attempt: 1, epoch: 4)).scheduled.isEmpty)
    }

    @Test func aRepeatedFailureIsNotCountedTwice() {
        var core = self.running()
        let failure = WorkerReport.failure(trial: 1, attempt: 1, reason: "diverged", retryable: true)
        _ = self.report(&core, failure)
        let trials = core.scheduler.trials
        #expect(trials[1]?.failedAttempts == 1)
        #expect(self.report(&core, failure).scheduled.isEmpty)
        #expect(core.scheduler.trials == trials)
    }

    @Test func aReportOfAnotherRunIsStillRejectedAndItsRunCancelled() {
        var core = self.running()
        let stale = self.report(&core, .result(trial: 1, attempt: 7, metrics: self.metrics, seconds: 2))
        #expect(stale.scheduled.cancels.map(\.attempt) == [7])
    }
}
