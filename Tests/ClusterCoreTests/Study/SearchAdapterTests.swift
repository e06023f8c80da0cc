import ClusterCore
import ClusterCoreTestKit
import Search
import Testing

/// The scheduler's proposer and pruner over the Search module: what they pass to it and what they make of it.
@Suite struct SearchAdapterTests {
    private let search: SearchConfig
    private let objective = "valid/score"

    init() throws {
        self.search = try SearchConfig(
            yaml: """
                direction: minimize
                optimizer: {initial_trials: 3, candidates: 64, local_starts: 1, local_steps: 4, restarts: 1, \
                fit_iterations: 10}
                pruner: {kind: median, warmup_trials: 2, warmup_steps: 2}
                parameters:
                  - {name: x1, type: float, low: -5, high: 10}
                  - {name: x2, type: float, low: 0, high: 15}
                """)
    }

    private func point(_ x1: Double, _ x2: Double) -> Configuration {
        Configuration(["x1": .double(x1), "x2": .double(x2)])
    }

    @Test func terminalTrialsBecomeObservationsAsTheSearchModuleExpects() {
        let complete = TrialObservation(params: self.point(1, 2), state: .complete, objective: 3.5, curve: [1: 9])
        let pruned = TrialObservation(params: self.point(2, 3), state: .pruned, objective: 12, curve: [1: 14, 2: 12])
        let failed = TrialObservation(params: self.point(3, 4), state: .failed, objective: 8, curve: [1: 8])
        let silent = TrialObservation(params: self.point(4, 5), state: .complete, objective: nil, curve: [:])
        #expect(BayesianTrialProposer.observation(complete).outcome == .value(3.5))
        #expect(BayesianTrialProposer.observation(pruned).outcome == .value(12), "a pruned trial's last value")
        #expect(BayesianTrialProposer.observation(failed).outcome == .failed, "failed whatever it reported")
        #expect(BayesianTrialProposer.observation(silent).outcome == .failed)
    }

    @Test func proposalsAreTheOptimizersOnTheStoredTrialsSoARestartProposesTheSame() throws {
        let observations = [
            TrialObservation(params: self.point(-3, 12), state: .complete, objective: 24.1, curve: [:]),
            TrialObservation(params: self.point(3, 2.5), state: .complete, objective: 0.9, curve: [:]),
            TrialObservation(params: self.point(9, 1), state: .pruned, objective: 6.2, curve: [:]),
            TrialObservation(params: self.point(0, 0), state: .failed, objective: nil, curve: [:]),
        ]
        let pending = [self.point(5, 5)]
        var proposer = BayesianTrialProposer(search: self.search, seed: 11)
        let proposed = try proposer.propose(count: 2, observations: observations, pending: pending)
        let expected = try BayesianOptimizer(config: self.search).propose(
            count: 2, seed: 11, observations: observations.map(BayesianTrialProposer.observation), pending: pending)
        #expect(proposed == expected.configurations)
        #expect(proposer.lastDiagnostics.contains { $0.kind == .failedTrialsImputed })

        var restarted = BayesianTrialProposer(search: self.search, seed: 11)
        #expect(try restarted.propose(count: 2, observations: observations.reversed(), pending: pending) == proposed)
        for configuration in proposed {
            #expect(try self.search.space.validate(configuration) == configuration)
            #expect(!pending.contains(configuration))
        }
        var otherSeed = BayesianTrialProposer(search: self.search, seed: 12)
        #expect(try otherSeed.propose(count: 2, observations: observations, pending: pending) != proposed)
    }

    @Test func handPickedConfigurationsAreCheckedAgainstTheSpace() throws {
        let proposer = BayesianTrialProposer(search: self.search, seed: 1)
        let normalised = try proposer.validate(Configuration(["x1": .int(2), "x2": .double(7.5)]))
        #expect(normalised["x1"].map { if case .double = $0 { true } else { false } } == true)
        #expect(throws: SearchError.invalidConfiguration(parameter: "x1", reason: "has value 11 outside its domain")) {
            try proposer.validate(Configuration(["x1": .int(11), "x2": .int(1)]))
        }
        #expect(throws: SearchError.self) { try proposer.validate(Configuration(["x1": .int(1)])) }
        #expect(throws: SearchError.self) {
            try proposer.validate(Configuration(["x1": .int(1), "x2": .int(1), "lr": .double(0.1)]))
        }
    }

    @Test func thePrunerAppliesTheMedianRuleInTheSearchDirectionAfterItsWarmUp() {
        let pruner = SearchTrialPruner(search: self.search)
        let finished = [
            TrialProgress(id: 1, values: [1: 9, 2: 4, 3: 2], isFinished: true),
            TrialProgress(id: 2, values: [1: 8, 2: 6, 3: 5], isFinished: true),
        ]
        let worse = TrialProgress(id: 3, values: [1: 20, 2: 7], isFinished: false)
        let better = TrialProgress(id: 4, values: [1: 20, 2: 4.5], isFinished: false)
        // Minimised: at step 2 the others' median is 5 (of 4 and 6); 7 is worse, 4.5 better.
        #expect(pruner.decide(trial: 3, epoch: 2, progress: finished + [worse]).shouldPrune)
        #expect(!pruner.decide(trial: 4, epoch: 2, progress: finished + [better]).shouldPrune)
        let early = pruner.decide(trial: 3, epoch: 1, progress: finished + [worse])
        #expect(!early.shouldPrune && early.reason.contains("warm-up"), "step 1 is inside warmup_steps")
        let unfinished = finished.map { TrialProgress(id: $0.id, values: $0.values, isFinished: false) }
        #expect(!pruner.decide(trial: 3, epoch: 2, progress: unfinished + [worse]).shouldPrune, "warmup_trials")
        #expect(!pruner.decide(trial: 9, epoch: 2, progress: finished).shouldPrune, "a trial without values")
    }

    @Test func theSchedulerGivesThePrunerEveryCurveWithFinishedTrialsMarked() throws {
        var settings = SchedulerSettings(budget: 4)
        settings.objectiveMetric = self.objective
        var scheduler = TrialScheduler(settings: settings)
        for worker in ["a", "b", "c"] as [WorkerID] { scheduler.workerAvailable(worker) }
        var proposer = CountingProposer()
        let plans = scheduler.fill(proposer: &proposer).assignments
        let pruner = SearchTrialPruner(search: self.search)
        for (plan, values) in zip(plans.prefix(2), [[9.0, 4], [8.0, 6]]) {
            let worker = plan.members[0]
            for (epoch, value) in values.enumerated() {
                _ = scheduler.onProgress(
                    from: worker, trial: plan.trial, attempt: 1, epoch: epoch + 1, metrics: [self.objective: value],
                    seconds: 1, pruner: pruner)
            }
            _ = scheduler.onResult(
                from: worker, trial: plan.trial, attempt: 1, metrics: [self.objective: values[1]], seconds: 2)
        }
        let third = plans[2]
        _ = scheduler.onProgress(
            from: "c", trial: third.trial, attempt: 1, epoch: 1, metrics: [self.objective: 30], seconds: 1,
            pruner: pruner)
        let directives = scheduler.onProgress(
            from: "c", trial: third.trial, attempt: 1, epoch: 2, metrics: [self.objective: 7], seconds: 2,
            pruner: pruner)
        #expect(directives.cancels.map(\.reason) == [.pruned])
        #expect(scheduler.trials[third.trial]?.state == .pruned)
        #expect(scheduler.trials[third.trial]?.finalMetrics?[self.objective] == 7)
    }
}
