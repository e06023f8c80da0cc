import ClusterCore
import ClusterCoreTestKit
import Search
import Testing

/// Common random numbers: every trial's seed, and replicates of the best configurations with more seeds.
@Suite struct TrialSeedingTests {
    private let objective = "valid/ndcg@10"

    private func scheduler(
        budget: Int, workers: Int, mode: TrialSeeding.Mode = .shared, seeds: Int = 1, best: Int = 3
    ) -> TrialScheduler {
        var settings = SchedulerSettings(budget: budget)
        settings.seeding.base = 7
        settings.seeding.mode = mode
        settings.seeding.seedsPerConfiguration = seeds
        settings.seeding.reseedBest = best
        var scheduler = TrialScheduler(settings: settings)
        for index in 0..<workers { scheduler.workerAvailable(WorkerID("w\(index)")) }
        return scheduler
    }

    /// Reports `value` as the final objective of the run in `plan`.
    private func complete(_ plan: AssignmentPlan, _ value: Double, in scheduler: inout TrialScheduler) {
        _ = scheduler.onResult(
            from: plan.members[0], trial: plan.trial, attempt: plan.attempt, metrics: [self.objective: value],
            seconds: 1)
    }

    @Test func everyTrialTrainsWithTheStudySeedByDefault() {
        var scheduler = self.scheduler(budget: 3, workers: 3)
        var proposer = CountingProposer()
        let plans = scheduler.fill(proposer: &proposer).assignments
        #expect(plans.map(\.trial) == [1, 2, 3])
        #expect(plans.map(\.seed) == [7, 7, 7])
        #expect(scheduler.trials.values.allSatisfy { $0.seed == 7 })
    }

    @Test func perTrialSeedsKeepTheStudySeedPlusTheTrialID() {
        var scheduler = self.scheduler(budget: 3, workers: 3, mode: .perTrial)
        var proposer = CountingProposer()
        #expect(scheduler.fill(proposer: &proposer).assignments.map(\.seed) == [8, 9, 10])
    }

    @Test func theBestConfigurationsGetReplicatesOnlyOnceTheBudgetIsTerminal() {
        var scheduler = self.scheduler(budget: 4, workers: 4, seeds: 3, best: 2)
        var proposer = CountingProposer()
        let plans = scheduler.fill(proposer: &proposer).assignments
        for (plan, value) in zip(plans.prefix(3), [0.1, 0.4, 0.3]) { self.complete(plan, value, in: &scheduler) }
        // Trial 4 still runs: nothing is replicated yet.
        #expect(scheduler.fill(proposer: &proposer).isEmpty)
        #expect(scheduler.dueReplicates().isEmpty && !scheduler.isFinished)
        self.complete(plans[3], 0.2, in: &scheduler)
        #expect(!scheduler.isFinished, "replicates are due")

        let directives = scheduler.fill(proposer: &proposer)
        let replicates = scheduler.trials.values.filter { $0.origin == .replicate }.sorted { $0.id < $1.id }
        // K · (N − 1) = 2 · 2 replicates, of trial 2 (0.4) then trial 3 (0.3), with seeds 8 and 9.
        #expect(replicates.map(\.params) == [plans[1].params, plans[1].params, plans[2].params, plans[2].params])
        #expect(replicates.map(\.seed) == [8, 9, 8, 9])
        #expect(directives.assignments.map(\.trial) == replicates.map(\.id))
        #expect(directives.assignments.map(\.seed) == [8, 9, 8, 9])
        #expect(scheduler.budgetUsed == 4 && scheduler.budgetRemaining == 0)
        #expect(proposer.calls.count == 1, "replicates are not proposals")

        for plan in directives.assignments { self.complete(plan, 0.35, in: &scheduler) }
        #expect(scheduler.fill(proposer: &proposer) == [.studyFinished])
        #expect(scheduler.trials.count == 8 && proposer.calls.count == 1)
    }

    @Test func aRestartedSchedulerOwesNoReplicatesTwice() {
        var scheduler = self.scheduler(budget: 1, workers: 1, seeds: 2)
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        self.complete(plan, 0.5, in: &scheduler)
        let replicate = scheduler.fill(proposer: &proposer).assignments
        #expect(replicate.map(\.seed) == [8])
        let restored = TrialScheduler(
            settings: scheduler.settings, restoring: Array(scheduler.trials.values))
        #expect(restored.dueReplicates().isEmpty)
        #expect(restored.waitingQueue == replicate.map(\.trial), "the interrupted replicate runs again")
        #expect(restored.trials[replicate[0].trial]?.seed == 8)
    }

    @Test func withOneSeedNothingIsReplicated() {
        var scheduler = self.scheduler(budget: 2, workers: 2)
        var proposer = CountingProposer()
        for plan in scheduler.fill(proposer: &proposer).assignments { self.complete(plan, 0.5, in: &scheduler) }
        #expect(scheduler.fill(proposer: &proposer) == [.studyFinished])
        #expect(scheduler.trials.count == 2)
    }

    @Test func anEnqueuedConfigurationWithSeedsAddsReplicatesTheProposerNeverSees() {
        var scheduler = self.scheduler(budget: 3, workers: 2)
        let manual = Configuration(["x": .string("manual")])
        let queued = scheduler.enqueue(manual, seeds: 2)
        #expect(queued.count == 2)
        #expect(scheduler.budgetUsed == 1, "the replicate is not one of the budget's trials")
        var proposer = CountingProposer()
        let plans = scheduler.fill(proposer: &proposer).assignments
        #expect(plans.map(\.params) == [manual, manual] && plans.map(\.seed) == [7, 8])
        #expect(scheduler.trials[plans[1].trial]?.origin == .replicate)
        #expect(proposer.calls.isEmpty)
        for plan in plans { self.complete(plan, 0.5, in: &scheduler) }

        _ = scheduler.fill(proposer: &proposer)
        #expect(proposer.calls.map(\.count) == [2])
        #expect(proposer.calls.first?.observations.map(\.params) == [manual], "one observation, not two")
    }

    @Test func replicatesAreNeverPruned() {
        var scheduler = self.scheduler(budget: 1, workers: 2)
        _ = scheduler.enqueue(Configuration(["x": .int(1)]), seeds: 2)
        var proposer = CountingProposer()
        let plans = scheduler.fill(proposer: &proposer).assignments
        let pruner = ThresholdPruner(threshold: 1)
        let directives = plans.map { plan in
            scheduler.onProgress(
                from: plan.members[0], trial: plan.trial, attempt: 1, epoch: 1, metrics: [self.objective: 0.1],
                seconds: 1, pruner: pruner)
        }
        #expect(directives[0].cancels.count == 1, "the enqueued trial is pruned")
        #expect(directives[1].cancels.isEmpty, "its replicate keeps running")
    }
}
