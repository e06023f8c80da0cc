import Testing

@testable import Search

@Suite struct PrunerTests {
    /// Finished trials with NDCG curves `base + 0.01·step` for steps 1…9.
    static func finished(_ bases: [Double]) -> [TrialProgress] {
        bases.enumerated().map { index, base in
            TrialProgress(
                id: index, values: Dictionary(uniqueKeysWithValues: (1...9).map { ($0, base + 0.01 * Double($0)) }),
                isFinished: true)
        }
    }

    @Test func medianRulePrunesBelowTheMedianAndKeepsAbove() {
        let rule = MedianStoppingRule(warmup: PrunerWarmup(trials: 3, steps: 2))
        let others = Self.finished([0.10, 0.20, 0.30, 0.40])
        // Median at step 3 of 0.13, 0.23, 0.33, 0.43 is 0.28.
        let weak = TrialProgress(id: 99, values: [1: 0.05, 2: 0.12, 3: 0.27], isFinished: false)
        let strong = TrialProgress(id: 98, values: [1: 0.05, 2: 0.12, 3: 0.29], isFinished: false)
        #expect(rule.decide(trial: weak, step: 3, others: others, direction: .maximize).shouldPrune)
        #expect(!rule.decide(trial: strong, step: 3, others: others, direction: .maximize).shouldPrune)
        // The best value so far counts: an earlier peak above the median saves the trial.
        let peaked = TrialProgress(id: 97, values: [2: 0.35, 3: 0.20], isFinished: false)
        #expect(!rule.decide(trial: peaked, step: 3, others: others, direction: .maximize).shouldPrune)
        // Minimising a loss flips the comparison.
        #expect(!rule.decide(trial: weak, step: 3, others: others, direction: .minimize).shouldPrune)
    }

    @Test func warmupProtectsEarlyTrialsAndSteps() {
        let rule = MedianStoppingRule(warmup: PrunerWarmup(trials: 3, steps: 2))
        let weak = TrialProgress(id: 99, values: [1: 0.0, 2: 0.0, 3: 0.0], isFinished: false)
        let twoFinished = Self.finished([0.5, 0.6])
        let decision = rule.decide(trial: weak, step: 3, others: twoFinished, direction: .maximize)
        #expect(!decision.shouldPrune && decision.reason.contains("warm-up"))
        let enough = Self.finished([0.5, 0.6, 0.7])
        #expect(!rule.decide(trial: weak, step: 1, others: enough, direction: .maximize).shouldPrune)
        #expect(rule.decide(trial: weak, step: 2, others: enough, direction: .maximize).shouldPrune)
        // Running trials do not count towards the warm-up, but their values do count at the step.
        let running = enough.map { TrialProgress(id: $0.id, values: $0.values, isFinished: false) }
        #expect(!rule.decide(trial: weak, step: 2, others: running, direction: .maximize).shouldPrune)
    }

    @Test func successiveHalvingKeepsTheTopThirdAtEachRung() {
        let asha = SuccessiveHalving(warmup: PrunerWarmup(trials: 0, steps: 0), minResource: 1, reductionFactor: 3)
        #expect((1...30).filter(asha.isRung) == [1, 3, 9, 27])
        // Five others at rung 3 with 0.13 … 0.53: six values, the top two continue.
        let others = Self.finished([0.10, 0.20, 0.30, 0.40, 0.50])
        let second = TrialProgress(id: 90, values: [3: 0.45], isFinished: false)
        let third = TrialProgress(id: 91, values: [3: 0.42], isFinished: false)
        #expect(!asha.decide(trial: second, step: 3, others: others, direction: .maximize).shouldPrune)
        #expect(asha.decide(trial: third, step: 3, others: others, direction: .maximize).shouldPrune)
        // Steps between rungs never prune.
        let poor = TrialProgress(id: 92, values: [4: 0.0], isFinished: false)
        #expect(!asha.decide(trial: poor, step: 4, others: others, direction: .maximize).shouldPrune)
        // The first trial at a rung always continues (asynchronous: nobody to wait for).
        let alone = TrialProgress(id: 93, values: [1: 0.0], isFinished: false)
        #expect(!asha.decide(trial: alone, step: 1, others: [], direction: .maximize).shouldPrune)
    }

    @Test func settingsSelectThePrunerAndRejectBadValues() throws {
        let others = Self.finished([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        let weak = TrialProgress(id: 99, values: [1: 0.0], isFinished: false)
        #expect(!PrunerSettings.none.decide(trial: weak, step: 1, others: others, direction: .maximize).shouldPrune)
        let config = try SearchConfig(
            yaml: """
                pruner: {kind: median, warmup_trials: 2, warmup_steps: 1}
                parameters: [{name: a, type: float, low: 0, high: 1}]
                """)
        #expect(config.pruner.decide(trial: weak, step: 1, others: others, direction: .maximize).shouldPrune)
        #expect(throws: SearchError.self) {
            try PrunerSettings.median(MedianStoppingRule(warmup: PrunerWarmup(trials: -1))).validate()
        }
    }
}
