import ClusterCore
import ClusterCoreTestKit
import ClusterProto
import Search
import Testing

@Suite struct TrialSchedulerTests {
    private func scheduler(
        budget: Int, groupSize: Int = 1, maxEpochs: Int? = nil, workers: [WorkerID]
    ) -> TrialScheduler {
        var settings = SchedulerSettings(budget: budget, groupSize: groupSize)
        settings.maxEpochs = maxEpochs
        var scheduler = TrialScheduler(settings: settings)
        for worker in workers { scheduler.workerAvailable(worker) }
        return scheduler
    }

    private let objective = "valid/ndcg@10"

    @Test func formsGroupsOfTheConfiguredSizeAndAsksForOneProposalPerFreeGroup() {
        var scheduler = self.scheduler(budget: 10, groupSize: 2, workers: ["a", "b", "c", "d", "e"])
        var proposer = CountingProposer()
        let directives = scheduler.fill(proposer: &proposer)
        #expect(proposer.calls.map(\.count) == [2])
        let plans = directives.assignments
        #expect(plans.map(\.members) == [["a", "b"], ["c", "d"]])
        #expect(plans.map(\.params) == [CountingProposer.params(1), CountingProposer.params(2)])
        #expect(plans.allSatisfy { $0.attempt == 1 && $0.resumeEpoch == nil })
        #expect(scheduler.idleWorkers == ["e"])
        #expect(scheduler.isBusy("a") && !scheduler.isBusy("e"))
        // Nothing is free any more: no second proposal.
        #expect(scheduler.fill(proposer: &proposer).isEmpty)
        #expect(proposer.calls.count == 1)
    }

    @Test func budgetCapsProposalsAndTheStudyFinishesOnce() {
        var scheduler = self.scheduler(budget: 1, workers: ["a", "b", "c"])
        var proposer = CountingProposer()
        let plans = scheduler.fill(proposer: &proposer).assignments
        #expect(plans.count == 1)
        #expect(proposer.calls.map(\.count) == [1])
        let plan = plans[0]
        _ = scheduler.onResult(from: "a", trial: plan.trial, attempt: 1, metrics: [self.objective: 0.3], seconds: 5)
        #expect(scheduler.trials[plan.trial]?.state == .complete)
        #expect(scheduler.fill(proposer: &proposer) == [.studyFinished])
        #expect(scheduler.fill(proposer: &proposer).isEmpty)
        #expect(scheduler.isFinished)
    }

    @Test func enqueuedConfigurationsRunBeforeProposals() {
        var scheduler = self.scheduler(budget: 5, workers: ["a"])
        let manual = Configuration(["x": .string("manual")])
        _ = scheduler.enqueue(manual)
        var proposer = CountingProposer()
        let first = scheduler.fill(proposer: &proposer).assignments
        #expect(first.map(\.params) == [manual])
        #expect(proposer.calls.isEmpty)
        #expect(scheduler.trials[first[0].trial]?.origin == .enqueued)
    }

    @Test func enqueuedTrialsJumpAheadOfWaitingProposals() {
        var scheduler = self.scheduler(budget: 5, workers: [])
        var proposer = CountingProposer()
        scheduler.workerAvailable("a")
        scheduler.workerAvailable("b")
        _ = scheduler.fill(proposer: &proposer)  // two proposals start
        let lost = scheduler.workerLost("b", reason: "test")  // one goes back to the front of the queue
        #expect(lost.contains(.groupDissolved(2, reason: "worker b lost: test")))
        _ = scheduler.enqueue(Configuration(["x": .string("manual")]))
        // The interrupted trial keeps its place before the enqueued one.
        #expect(scheduler.waitingQueue == [2, 3])
    }

    @Test func prunedTrialsReleaseTheirGroupAndCountTowardTheBudget() {
        var scheduler = self.scheduler(budget: 2, groupSize: 2, workers: ["a", "b"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        let pruner = ThresholdPruner(threshold: 0.1)
        let kept = scheduler.onProgress(
            from: "a", trial: plan.trial, attempt: 1, epoch: 1, metrics: [self.objective: 0.2], seconds: 1,
            pruner: pruner)
        #expect(kept.cancels.isEmpty)
        let pruned = scheduler.onProgress(
            from: "a", trial: plan.trial, attempt: 1, epoch: 2, metrics: [self.objective: 0.05], seconds: 2,
            pruner: pruner)
        #expect(pruned.cancels.map(\.workers) == [["a", "b"]])
        #expect(pruned.cancels.map(\.reason) == [.pruned])
        #expect(pruned.contains(.trialPruned(plan.trial, epoch: 2, reason: "0.05 < 0.1")))
        #expect(scheduler.trials[plan.trial]?.state == .pruned)
        #expect(scheduler.trials[plan.trial]?.intermediate[1]?[self.objective] == 0.2)
        #expect(scheduler.budgetUsed == 1)
        // A rank may still be blocked in the pruned run's all-reduce: the members take work again only once they
        // say they are idle.
        #expect(pruned.contains(.groupDissolved(plan.group, reason: "trial \(plan.trial) pruned")))
        #expect(scheduler.groups.isEmpty && scheduler.idleWorkers.isEmpty)
        #expect(scheduler.fill(proposer: &proposer).assignments.isEmpty)
        scheduler.workerAvailable("b")
        scheduler.workerAvailable("a")
        let next = scheduler.fill(proposer: &proposer).assignments
        #expect(next.map(\.members) == [["b", "a"]] && next.map(\.group) != [plan.group])
        #expect(proposer.calls.last?.observations.map(\.state) == [.pruned])
        #expect(proposer.calls.last?.observations.first?.objective == 0.05)
        #expect(scheduler.budgetRemaining == 0)
    }

    /// A report of the last epoch is never pruned: the trial has trained everything and goes on to its result.
    @Test func theLastEpochIsNeverPruned() {
        let pruner = ThresholdPruner(threshold: 0.1)
        var proposer = CountingProposer()
        /// A trial of a study of `maxEpochs` epochs that reports a value below the threshold at epoch 2.
        func reportingEpochTwo(maxEpochs: Int) -> (TrialScheduler, TrialID, [SchedulerDirective]) {
            var scheduler = self.scheduler(budget: 1, maxEpochs: maxEpochs, workers: ["a"])
            let plan = scheduler.fill(proposer: &proposer).assignments[0]
            let directives = scheduler.onProgress(
                from: "a", trial: plan.trial, attempt: 1, epoch: 2, metrics: [self.objective: 0.05], seconds: 2,
                pruner: pruner)
            return (scheduler, plan.trial, directives)
        }
        var (scheduler, trial, last) = reportingEpochTwo(maxEpochs: 2)
        #expect(last.cancels.isEmpty)
        #expect(scheduler.trials[trial]?.state == .running)
        _ = scheduler.onResult(from: "a", trial: trial, attempt: 1, metrics: [self.objective: 0.05], seconds: 3)
        #expect(scheduler.trials[trial]?.state == .complete)
        // Below the last epoch the same value is pruned.
        let (_, _, pruned) = reportingEpochTwo(maxEpochs: 3)
        #expect(pruned.cancels.map(\.reason) == [.pruned])
    }

    @Test func deadWorkerRequeuesItsTrialFromTheLastCheckpointOnAnotherGroup() {
        var scheduler = self.scheduler(budget: 1, groupSize: 2, workers: ["a", "b"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        _ = scheduler.onCheckpoint(from: "a", trial: plan.trial, attempt: 1, epoch: 1)
        let stored = scheduler.onCheckpoint(from: "a", trial: plan.trial, attempt: 1, epoch: 2)
        #expect(stored.first == .storeCheckpoint(plan.trial, attempt: 1, epoch: 2))

        let lost = scheduler.workerLost("b", reason: "no heartbeat")
        #expect(lost.cancels.map(\.workers) == [["a"]])
        #expect(lost.cancels.map(\.reason) == [.reassigned])
        #expect(scheduler.trials[plan.trial]?.state == .waiting)
        #expect(scheduler.trials[plan.trial]?.failureReasons == ["attempt 1: worker b lost: no heartbeat"])
        #expect(scheduler.groups.isEmpty)
        #expect(scheduler.idleWorkers.isEmpty, "a may still be blocked in the all-reduce with b")

        scheduler.workerAvailable("a")  // its heartbeat says it is idle
        scheduler.workerAvailable("c")
        let again = scheduler.fill(proposer: &proposer).assignments
        #expect(again.count == 1)
        #expect(again[0].trial == plan.trial)
        #expect(again[0].attempt == 2)
        #expect(again[0].resumeEpoch == 2)
        #expect(again[0].members == ["a", "c"])
        #expect(again[0].group != plan.group)
        #expect(proposer.calls.count == 1)
    }

    @Test func trialFailsAfterTheRetryCapWithEveryReason() throws {
        var scheduler = self.scheduler(budget: 1, workers: ["w1"])
        var proposer = CountingProposer()
        var trial: TrialID?
        for round in 1...3 {
            let plans = scheduler.fill(proposer: &proposer).assignments
            #expect(plans.count == 1)
            #expect(plans.first?.attempt == round)
            trial = plans.first?.trial
            _ = scheduler.workerLost(WorkerID("w\(round)"), reason: "crash \(round)")
            scheduler.workerAvailable(WorkerID("w\(round + 1)"))
        }
        let id = try #require(trial)
        #expect(scheduler.trials[id]?.state == .failed)
        #expect(scheduler.trials[id]?.failureReasons.count == 3)
        #expect(scheduler.trials[id]?.failureReasons.last == "attempt 3: worker w3 lost: crash 3")
        let end = scheduler.fill(proposer: &proposer)
        #expect(end.assignments.isEmpty)
        #expect(end.last == .studyFinished)
    }

    @Test func failedTrialsCanBeReplacedWhenTheyDoNotCount() {
        var settings = SchedulerSettings(budget: 1)
        settings.failedTrialsCountTowardBudget = false
        var scheduler = TrialScheduler(settings: settings)
        scheduler.workerAvailable("a")
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        let failed = scheduler.onFailure(from: "a", trial: plan.trial, attempt: 1, reason: "NaN loss", retryable: false)
        #expect(failed.count == 1)
        #expect(scheduler.trials[plan.trial]?.state == .failed)
        #expect(scheduler.budgetRemaining == 1)
        let next = scheduler.fill(proposer: &proposer).assignments
        #expect(next.map(\.params) == [CountingProposer.params(2)])
    }

    @Test func retryableFailureRequeuesCancelsTheOtherMembersAndReleasesTheGroup() {
        var scheduler = self.scheduler(budget: 1, groupSize: 3, workers: ["a", "b", "c"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        let directives = scheduler.onFailure(
            from: "b", trial: plan.trial, attempt: 1, reason: "peer timeout", retryable: true)
        #expect(directives.cancels.map(\.workers) == [["a", "c"]])
        #expect(scheduler.trials[plan.trial]?.state == .waiting)
        #expect(scheduler.waitingQueue == [plan.trial])
        #expect(directives.contains(.groupDissolved(plan.group, reason: "b failed: peer timeout")))
        // a and c may still wait in the all-reduce for b: the trial restarts once all three say they are idle.
        for worker: WorkerID in ["a", "b"] { scheduler.workerAvailable(worker) }
        #expect(scheduler.fill(proposer: &proposer).assignments.isEmpty)
        scheduler.workerAvailable("c")
        #expect(scheduler.fill(proposer: &proposer).assignments.map(\.attempt) == [2])
    }

    @Test func staleAndMisdirectedReportsAreRejected() {
        var scheduler = self.scheduler(budget: 2, groupSize: 2, workers: ["a", "b"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        let fromRankOne = scheduler.onProgress(
            from: "b", trial: plan.trial, attempt: 1, epoch: 1, metrics: [:], seconds: 1, pruner: NoPruning())
        #expect(fromRankOne.rejections.map(\.code) == [.unexpected])
        #expect(fromRankOne.cancels.isEmpty)
        let staleAttempt = scheduler.onResult(from: "a", trial: plan.trial, attempt: 7, metrics: [:], seconds: 1)
        #expect(staleAttempt.rejections.map(\.code) == [.unexpected])
        #expect(staleAttempt.cancels.map(\.attempt) == [7])
        #expect(scheduler.trials[plan.trial]?.state == .running)
        let unknown = scheduler.onCheckpoint(from: "a", trial: 99, attempt: 1, epoch: 1)
        #expect(unknown.rejections.count == 1)
    }

    @Test func progressAndCheckpointsPastTheLastEpochAreRejectedAndNotKept() {
        var scheduler = self.scheduler(budget: 1, maxEpochs: 2, workers: ["a"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        let progress = scheduler.onProgress(
            from: "a", trial: plan.trial, attempt: 1, epoch: 3, metrics: [self.objective: 0.1], seconds: 1,
            pruner: NoPruning())
        #expect(progress.rejections.map(\.code) == [.outOfRange])
        let checkpoint = scheduler.onCheckpoint(from: "a", trial: plan.trial, attempt: 1, epoch: 3)
        #expect(checkpoint.rejections.map(\.code) == [.outOfRange])
        #expect(progress.cancels.isEmpty && checkpoint.cancels.isEmpty)
        #expect(scheduler.trials[plan.trial]?.intermediate.isEmpty == true)
        #expect(scheduler.trials[plan.trial]?.checkpointEpoch == nil)
        // The last epoch's checkpoint is kept: a re-queued run resumes from it to evaluate only.
        let last = scheduler.onCheckpoint(from: "a", trial: plan.trial, attempt: 1, epoch: 2)
        #expect(last.first == .storeCheckpoint(plan.trial, attempt: 1, epoch: 2))
    }

    @Test func reconcileCancelsRunsTheScheduleDoesNotKnow() {
        var scheduler = self.scheduler(budget: 2, workers: ["a"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        #expect(scheduler.reconcile("a", runs: (plan.trial, 1)).isEmpty)
        #expect(
            scheduler.reconcile("a", runs: (plan.trial, 0))
                == [.cancel(workers: ["a"], trial: plan.trial, attempt: 0, reason: .reassigned)])
    }

    @Test func anIdleMemberEndsItsRunLikeALostOneButStays() {
        var scheduler = self.scheduler(budget: 1, groupSize: 2, workers: ["a", "b"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        _ = scheduler.onCheckpoint(from: "a", trial: plan.trial, attempt: 1, epoch: 1)
        #expect(scheduler.run(of: "b") == RunID(trial: plan.trial, attempt: 1))
        #expect(scheduler.workerIdle("b", during: RunID(trial: plan.trial, attempt: 2)).isEmpty, "not its run")
        let ended = scheduler.workerIdle("b", during: RunID(trial: plan.trial, attempt: 1))
        #expect(ended.cancels.map(\.workers) == [["a"]])
        #expect(scheduler.trials[plan.trial]?.state == .waiting && scheduler.trials[plan.trial]?.failedAttempts == 1)
        #expect(scheduler.run(of: "b") == nil && scheduler.groups.isEmpty)
        #expect(scheduler.workerIdle("b", during: RunID(trial: plan.trial, attempt: 1)).isEmpty, "already ended")
        for worker: WorkerID in ["b", "a"] { scheduler.workerAvailable(worker) }
        let again = scheduler.fill(proposer: &proposer).assignments
        #expect(again.map(\.attempt) == [2] && again.map(\.resumeEpoch) == [1] && again.map(\.members) == [["b", "a"]])
    }

    @Test func proposerErrorsAndShortAnswersAreHandled() {
        var scheduler = self.scheduler(budget: 4, workers: ["a", "b", "c"])
        var proposer = CountingProposer()
        proposer.fails = true
        #expect(scheduler.fill(proposer: &proposer).contains(.proposerFailed("the optimizer is broken")))
        #expect(scheduler.trials.isEmpty)
        proposer.fails = false
        proposer.maxPerCall = 1
        #expect(scheduler.fill(proposer: &proposer).assignments.count == 1)
        #expect(scheduler.fill(proposer: &proposer).assignments.count == 1)
        #expect(proposer.calls.map(\.count) == [3, 3, 2])
        #expect(proposer.calls.last?.pending == [CountingProposer.params(1)])
    }

    @Test func operatorCancelStopsTheRunAndFreesTheGroup() {
        var scheduler = self.scheduler(budget: 3, workers: ["a"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        let directives = scheduler.cancel(plan.trial, reason: "operator")
        #expect(directives.cancels.map(\.reason) == [.cancelled])
        #expect(scheduler.trials[plan.trial]?.state == .failed)
        #expect(!scheduler.isBusy("a"))
        #expect(scheduler.cancel(plan.trial, reason: "again").isEmpty)
    }

    @Test func restoredStudyResumesInterruptedTrialsFirstAndFinishesTheBudgetExactly() {
        var done = Trial(id: 1, params: CountingProposer.params(1), origin: .proposed)
        done.state = .complete
        done.attempt = 1
        done.finalMetrics = [self.objective: 0.4]
        var interrupted = Trial(id: 2, params: CountingProposer.params(2), origin: .proposed)
        interrupted.state = .running
        interrupted.attempt = 1
        interrupted.group = 5
        interrupted.checkpointEpoch = 3
        interrupted.seed = 42
        var waiting = Trial(id: 3, params: Configuration(["x": .string("manual")]), origin: .enqueued)
        waiting.state = .waiting

        var scheduler = TrialScheduler(settings: SchedulerSettings(budget: 5), restoring: [waiting, done, interrupted])
        #expect(scheduler.waitingQueue == [2, 3])
        for worker: WorkerID in ["a", "b", "c"] { scheduler.workerAvailable(worker) }
        var proposer = CountingProposer(next: 10)
        let plans = scheduler.fill(proposer: &proposer).assignments
        #expect(plans.map(\.trial) == [2, 3, 4])
        #expect(plans[0].attempt == 2 && plans[0].resumeEpoch == 3)
        // A restored trial keeps its stored seed; a new one gets the study's (0 here).
        #expect(plans.map(\.seed) == [42, 0, 0])
        #expect(proposer.calls.map(\.count) == [1])
        #expect(proposer.calls.first?.observations.map(\.objective) == [0.4])
        #expect(proposer.calls.first?.pending.count == 2)

        for plan in plans {
            _ = scheduler.onResult(
                from: plan.members[0], trial: plan.trial, attempt: plan.attempt, metrics: [self.objective: 0.1],
                seconds: 1)
        }
        let last = scheduler.fill(proposer: &proposer).assignments
        #expect(last.map(\.trial) == [5])
        _ = scheduler.onResult(
            from: last[0].members[0], trial: 5, attempt: 1, metrics: [self.objective: 0.2], seconds: 1)
        #expect(scheduler.fill(proposer: &proposer) == [.studyFinished])
        #expect(scheduler.trials.values.count { $0.state == .complete } == 5)
    }
}
