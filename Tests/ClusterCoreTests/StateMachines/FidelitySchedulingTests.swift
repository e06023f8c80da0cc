import ClusterCore
import ClusterCoreTestKit
import Search
import Testing

/// Pruning at rungs inside a trial's training (`pruner.fidelity: steps`): rung reports, what the scheduler judges,
/// and a whole study that stops most trials after a small share of a full trial.
@Suite struct FidelitySchedulingTests {
    private let objective = "valid/ndcg@10"
    /// The default rungs of a study with `reduction_factor: 3`.
    private let fractions = [1.0 / 27, 1.0 / 9, 1.0 / 3]

    private func scheduler(budget: Int, workers: [WorkerID]) -> TrialScheduler {
        var settings = SchedulerSettings(budget: budget)
        settings.maxEpochs = 3
        settings.prunesAtRungs = true
        var scheduler = TrialScheduler(settings: settings)
        for worker in workers { scheduler.workerAvailable(worker) }
        return scheduler
    }

    @Test func rungMetricsKeepEachRungBesideTheEpochsOwnAndGiveTheFidelityReached() {
        var trial = Trial(id: 1, params: Configuration([:]), origin: .proposed)
        #expect(trial.fidelity(epochs: 3) == nil)
        trial.intermediate[1] = RungMetrics.encode(rung: 1, fraction: 1.0 / 27, metrics: [self.objective: 0.2])
            .merging(RungMetrics.encode(rung: 2, fraction: 1.0 / 9, metrics: [self.objective: 0.3])) { $1 }
        #expect(trial.rungCurve(of: self.objective) == [1: 0.2, 2: 0.3])
        #expect(trial.curve(of: self.objective).isEmpty, "rung values are not an epoch's")
        #expect(trial.fidelity(epochs: 3) == 1.0 / 9)
        trial.intermediate[1]?[self.objective] = 0.35
        #expect(trial.curve(of: self.objective) == [1: 0.35])
        #expect(trial.fidelity(epochs: 3) == 1.0 / 3)
        trial.state = .complete
        #expect(trial.fidelity(epochs: 3) == 1)
    }

    @Test func withRungsOnlyRungReportsArePrunedAndAPrunedTrialKeepsTheRungsValues() {
        let pruner = ThresholdPruner(threshold: 0.5)
        var scheduler = self.scheduler(budget: 1, workers: ["a"])
        var proposer = CountingProposer()
        let plan = scheduler.fill(proposer: &proposer).assignments[0]
        // A weak epoch report is not a place to prune when the study prunes at rungs.
        let epoch = scheduler.onProgress(
            from: "a", trial: plan.trial, attempt: 1, epoch: 1, metrics: [self.objective: 0.1], seconds: 1,
            pruner: pruner)
        #expect(epoch.cancels.isEmpty)
        // The pruner judges a rung report at the rung's number, on the rung's own value.
        let rung = scheduler.onProgress(
            from: "a", trial: plan.trial, attempt: 1, epoch: 2,
            metrics: RungMetrics.encode(rung: 1, fraction: 0.4, metrics: [self.objective: 0.2]), seconds: 1,
            pruner: pruner)
        #expect(rung.cancels.map(\.reason) == [.pruned])
        let trial = scheduler.trials[plan.trial]
        #expect(trial?.state == .pruned)
        #expect(trial?.finalMetrics == [self.objective: 0.2])
        #expect(trial?.intermediate[1] == [self.objective: 0.1], "the epoch's report is kept beside the rung's")
        #expect(trial?.fidelity(epochs: 3) == 0.4)
    }

    /// 27 trials on two workers under ASHA (reduction factor 3, rungs at 1/27, 1/9 and 1/3 of a trial): every trial
    /// ends, pruned ones count toward the budget, and most stop at the first rung.
    @Test func aStudyWithRungsPrunesMostTrialsEarlyAndUsesItsBudget() {
        let budget = 27
        let asha = SuccessiveHalving(
            warmup: PrunerWarmup(trials: 0, steps: 0), reductionFactor: 3,
            fidelity: .steps(minFraction: self.fractions[0]))
        let pruner = SearchTrialPruner(settings: .successiveHalving(asha), direction: .maximize)
        var scheduler = self.scheduler(budget: budget, workers: ["a", "b"])
        var proposer = CountingProposer()
        var running = scheduler.fill(proposer: &proposer).assignments
        while let plan = running.first {
            running.removeFirst()
            self.train(plan, on: &scheduler, pruner: pruner)
            running += scheduler.fill(proposer: &proposer).assignments
        }
        #expect(scheduler.isFinished)
        let trials = scheduler.trials.values
        #expect(trials.count == budget && scheduler.budgetUsed == budget)
        let reached = trials.compactMap { $0.fidelity(epochs: 3) }
        #expect(reached.count == budget)
        let atFirstRung = reached.count { $0 == self.fractions[0] }
        let complete = trials.count { $0.state == .complete }
        #expect(trials.allSatisfy { $0.state == .complete || $0.state == .pruned })
        #expect(atFirstRung > budget / 2, "\(atFirstRung) of \(budget) pruned at the first rung")
        #expect(complete >= 1 && complete < budget / 3, "\(complete) trials complete")
        let meanCost = reached.reduce(0, +) / Double(budget)
        #expect(meanCost <= 0.25, "a trial costs \(meanCost) of a full one on average")
    }

    /// Rank 0's reports for one run: each rung in turn (its epoch being where the rung's step falls), then the
    /// three epochs and the result, stopping when the run is pruned. A trial's value is fixed by its `x`.
    private func train(_ plan: AssignmentPlan, on scheduler: inout TrialScheduler, pruner: SearchTrialPruner) {
        guard case .int(let x) = plan.params["x"] else { return }
        let value = Double((x * 37) % 101) / 100
        let worker = plan.members[0]
        for (index, fraction) in self.fractions.enumerated() {
            let metrics = RungMetrics.encode(rung: index + 1, fraction: fraction, metrics: [self.objective: value])
            let epoch = Int((fraction * 3).rounded(.up))
            let directives = scheduler.onProgress(
                from: worker, trial: plan.trial, attempt: plan.attempt, epoch: epoch, metrics: metrics, seconds: 1,
                pruner: pruner)
            if !directives.cancels.isEmpty { return }
        }
        for epoch in 1...3 {
            _ = scheduler.onProgress(
                from: worker, trial: plan.trial, attempt: plan.attempt, epoch: epoch,
                metrics: [self.objective: value], seconds: 1, pruner: pruner)
        }
        _ = scheduler.onResult(
            from: worker, trial: plan.trial, attempt: plan.attempt, metrics: [self.objective: value], seconds: 3)
    }
}
