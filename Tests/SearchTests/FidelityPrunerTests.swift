import Testing

@testable import Search

/// ASHA with the `steps` fidelity: rungs at fractions of a full trial, compared rung by rung, and its YAML keys.
@Suite struct FidelityPrunerTests {
    static func steps(_ minFraction: Double, reductionFactor: Int = 3) -> SuccessiveHalving {
        SuccessiveHalving(
            warmup: PrunerWarmup(trials: 0, steps: 0), reductionFactor: reductionFactor,
            fidelity: .steps(minFraction: minFraction))
    }

    static func expectFractions(_ actual: [Double], _ expected: [Double]) {
        #expect(actual.count == expected.count, "\(actual) against \(expected)")
        for (got, want) in zip(actual, expected) { #expect(abs(got - want) < 1e-12, "\(actual) against \(expected)") }
    }

    @Test func rungsSitAtTheMinimumFractionTimesPowersOfTheReductionFactorBelowAFullTrial() {
        Self.expectFractions(Self.steps(1.0 / 27).rungFractions, [1.0 / 27, 1.0 / 9, 1.0 / 3])
        Self.expectFractions(Self.steps(0.125, reductionFactor: 2).rungFractions, [0.125, 0.25, 0.5])
        Self.expectFractions(Self.steps(0.125).rungFractions, [0.125, 0.375])
        Self.expectFractions(Self.steps(0.5).rungFractions, [0.5])
        // 1/9 written to seven decimals: times 9 is a rounding error below a full trial, not a third rung.
        Self.expectFractions(Self.steps(0.1111111).rungFractions, [0.1111111, 0.3333333])
        #expect(SuccessiveHalving().rungFractions.isEmpty)
        #expect(PrunerFidelity.defaultMinFraction(reductionFactor: 3) == 1.0 / 27)
        #expect(PrunerFidelity.defaultMinFraction(reductionFactor: 2) == 0.125)
        // The pruner's steps are rung numbers: every one is a rung, nothing past the last.
        #expect((0...5).filter(Self.steps(1.0 / 27).isRung) == [1, 2, 3])
        #expect(PrunerSettings.successiveHalving(Self.steps(0.25, reductionFactor: 2)).rungFractions == [0.25, 0.5])
        #expect(PrunerSettings.median(MedianStoppingRule()).rungFractions.isEmpty)
    }

    @Test func aTrialIsComparedOnlyWithTheOtherTrialsAtTheSameRung() {
        let asha = Self.steps(1.0 / 9)
        // Five trials reached rung 1 with 0.10 … 0.50; only the first reached rung 2, with 0.05.
        var others = (0..<5).map { TrialProgress(id: $0, values: [1: 0.1 * Double($0 + 1)], isFinished: true) }
        others[0].values[2] = 0.05
        // Six values at rung 1: the top two go on.
        let second = TrialProgress(id: 10, values: [1: 0.45], isFinished: false)
        let third = TrialProgress(id: 11, values: [1: 0.35], isFinished: false)
        #expect(!asha.decide(trial: second, step: 1, others: others, direction: .maximize).shouldPrune)
        #expect(asha.decide(trial: third, step: 1, others: others, direction: .maximize).shouldPrune)
        // At rung 2 a value of 0.42 only meets the one value there (0.05): two values, the top one goes on.
        let promoted = TrialProgress(id: 12, values: [1: 0.5, 2: 0.42], isFinished: false)
        #expect(!asha.decide(trial: promoted, step: 2, others: others, direction: .maximize).shouldPrune)
        let weak = TrialProgress(id: 13, values: [1: 0.5, 2: 0.01], isFinished: false)
        let decision = asha.decide(trial: weak, step: 2, others: others, direction: .maximize)
        #expect(decision.shouldPrune && decision.reason.contains("rank 2 of 2 at rung 2"))
    }

    @Test func theSearchFileReadsTheFidelityKeys() throws {
        func pruner(_ fields: String) throws -> PrunerSettings {
            try SearchConfig(
                yaml: "pruner: {kind: asha\(fields)}\nparameters: [{name: a, type: float, low: 0, high: 1}]"
            )
            .pruner
        }
        #expect(
            try pruner(", fidelity: steps, min_fraction: 0.125, reduction_factor: 2")
                == .successiveHalving(
                    SuccessiveHalving(reductionFactor: 2, fidelity: .steps(minFraction: 0.125))))
        #expect(
            try pruner(", fidelity: steps")
                == .successiveHalving(
                    SuccessiveHalving(fidelity: .steps(minFraction: 1.0 / 27))))
        #expect(try pruner("") == .successiveHalving(SuccessiveHalving()))
        #expect(try pruner(", fidelity: epochs") == .successiveHalving(SuccessiveHalving()))
    }

    @Test(arguments: [
        ("kind: asha, fidelity: users", "fidelity"),
        ("kind: asha, fidelity: steps, min_fraction: 0", "pruner.min_fraction"),
        ("kind: asha, fidelity: steps, min_fraction: 1", "pruner.min_fraction"),
        ("kind: asha, fidelity: steps, min_fraction: half", "min_fraction"),
        ("kind: asha, min_fraction: 0.1", "needs fidelity: steps"),
        ("kind: asha, fidelity: steps, min_resource: 2", "min_resource"),
        ("kind: median, fidelity: steps", "fidelity"),
    ])
    func badFidelityKeysAreRejectedNamingTheKey(fields: String, culprit: String) {
        #expect {
            _ = try SearchConfig(yaml: "pruner: {\(fields)}\nparameters: [{name: a, type: float, low: 0, high: 1}]")
        } throws: { error in
            "\(error)".contains(culprit)
        }
    }
}
