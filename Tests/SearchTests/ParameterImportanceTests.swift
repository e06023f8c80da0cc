import Foundation
import Testing

@testable import Search

/// Parameter importances (fANOVA of the GP mean) on objectives whose importances are known.
@Suite struct ParameterImportanceTests {
    /// Four parameters of every kind: `a` and `b` floats, `c` a log-scale integer, `d` a categorical.
    static func space() throws -> SearchSpace {
        try SearchSpace(parameters: [
            Parameter(name: "a", domain: .float(low: 0, high: 1, log: false)),
            Parameter(name: "b", domain: .float(low: -2, high: 2, log: false)),
            Parameter(name: "c", domain: .int(low: 1, high: 64, log: true)),
            Parameter(name: "d", domain: .categorical(["x", "y", "z"])),
        ])
    }

    /// `count` uniformly random configurations of `space` with `objective` plus Gaussian noise of `noise`.
    static func observations(
        _ space: SearchSpace, count: Int, noise: Double = 0, objective: (Configuration) -> Double
    ) -> [Observation] {
        var generator = SplitMix64(seed: 11)
        return RandomSearch(space: space).propose(count: count, seed: 3, trialIndex: 0).map { configuration in
            Observation(configuration: configuration, value: objective(configuration) + noise * generator.nextNormal())
        }
    }

    static func number(_ name: String, _ configuration: Configuration) -> Double {
        configuration[name]?.number ?? .nan
    }

    @Test func theOnlyParameterThatMattersTakesMostOfTheImportance() throws {
        let space = try Self.space()
        let observed = Self.observations(space, count: 30, noise: 0.02) { sin(5 * Self.number("a", $0)) }
        let analysis = ParameterImportance(space: space).analyse(observed, seed: 1)
        let effects = analysis.effects
        #expect(analysis.observationsUsed == 30 && analysis.unavailableReason == nil)
        #expect(effects.map(\.name).sorted() == ["a", "b", "c", "d"])
        #expect(effects.first?.name == "a")
        #expect((effects.first?.importance ?? 0) > 0.7)
        #expect(abs(effects.map(\.importance).reduce(0, +) - 1) < 1e-9)
        #expect(effects.allSatisfy { $0.importance >= 0 && $0.mainEffectShare >= 0 && $0.lengthScale > 0 })
    }

    /// `3a + 0.375b` on uniform `a ∈ [0, 1]`, `b ∈ [−2, 2]`: main-effect variances 9/12 and 0.375² · 16/12 =
    /// 2.25/12, so importances 0.8 and 0.2 with no interaction.
    @Test func twoParametersThatMatterAreRankedInTheirKnownRatio() throws {
        let space = try Self.space()
        let observed = Self.observations(space, count: 40) { 3 * Self.number("a", $0) + 0.375 * Self.number("b", $0) }
        let analysis = ParameterImportance(space: space).analyse(observed, seed: 1)
        let interaction = try #require(analysis.interactionShare)
        let effects = analysis.effects
        #expect(effects.map(\.name).prefix(2) == ["a", "b"])
        let importance = Dictionary(uniqueKeysWithValues: effects.map { ($0.name, $0.importance) })
        #expect(abs((importance["a"] ?? 0) - 0.8) < 0.03)
        #expect(abs((importance["b"] ?? 0) - 0.2) < 0.03)
        #expect((importance["c"] ?? 1) < 0.03 && (importance["d"] ?? 1) < 0.03)
        #expect(interaction < 0.1)
    }

    /// `(a − 0.5) b + 0.3 a`: the product has no main effect but variance 1/12 · 4/3, against 0.09/12 for `a`
    /// alone, so nearly all the variance is interaction, and the shares with it make the whole.
    @Test func anInteractionIsReportedAsSuch() throws {
        let space = try Self.space()
        let observed = Self.observations(space, count: 40) {
            (Self.number("a", $0) - 0.5) * Self.number("b", $0) + 0.3 * Self.number("a", $0)
        }
        let analysis = ParameterImportance(space: space).analyse(observed, seed: 1)
        let interaction = try #require(analysis.interactionShare)
        let effects = analysis.effects
        #expect(interaction > 0.6)
        #expect(abs(effects.map(\.mainEffectShare).reduce(0, +) + interaction - 1) < 1e-9)
    }

    /// A conditional space with log, integer and categorical parameters: the learning-rate term spans 0–4, the
    /// choice of kind 0–1.5, the conditional children less.
    @Test func conditionalAndLogParametersAreAnalysed() throws {
        let space = try TestSupport.conditionalSpace()
        let observed = Self.observations(space, count: 40, objective: TestSupport.conditionalObjective)
        let effects = ParameterImportance(space: space).analyse(observed, seed: 5).effects
        #expect(effects.map(\.name).first == "lr")
        #expect(effects.map(\.name).sorted() == ["kind", "lr", "rank", "width"])
        #expect(abs(effects.map(\.importance).reduce(0, +) - 1) < 1e-9)
        #expect(effects.allSatisfy { $0.importance.isFinite && $0.importance >= 0 })
    }

    @Test func tooFewObservationsGiveNoImportancesAndSaySo() throws {
        let space = try Self.space()
        let objective = { (configuration: Configuration) in Self.number("a", configuration) }
        let few = ParameterImportance(space: space).analyse(
            Self.observations(space, count: 5, objective: objective), seed: 1)
        #expect(few.effects.isEmpty && !few.isRough)
        #expect(few.unavailableReason == "5 trials with a value; importances need at least 6 for 4 parameters")
        let rough = ParameterImportance(space: space).analyse(
            Self.observations(space, count: 6, objective: objective), seed: 1)
        #expect(rough.effects.count == 4 && rough.isRough)
        let enough = ParameterImportance(space: space).analyse(
            Self.observations(space, count: 9, objective: objective), seed: 1)
        #expect(enough.effects.count == 4 && !enough.isRough)
    }

    @Test func aConstantObjectiveGivesNoImportancesAndNoNaN() throws {
        let space = try Self.space()
        let analysis = ParameterImportance(space: space).analyse(
            Self.observations(space, count: 20) { _ in 0.25 }, seed: 1)
        #expect(analysis.effects.isEmpty)
        #expect(analysis.unavailableReason == "all 20 objective values are equal: no parameter changes it")
    }

    @Test func failedAndForeignObservationsAreSkippedAndCounted() throws {
        let space = try Self.space()
        var observed = Self.observations(space, count: 12) { Self.number("a", $0) }
        observed.append(Observation(configuration: observed[0].configuration, outcome: .failed))
        observed.append(Observation(configuration: Configuration(["a": .double(7)]), value: 1))
        let analysis = ParameterImportance(space: space).analyse(observed, seed: 1)
        #expect(analysis.observationsUsed == 12 && analysis.observationsSkipped == 2)
        #expect(analysis.effects.count == 4)
    }

    @Test func theAnalysisDependsOnTheSeedAndTheSetOfObservationsOnly() throws {
        let space = try Self.space()
        let observed = Self.observations(space, count: 15) { Self.number("a", $0) * Self.number("b", $0) }
        let importance = ParameterImportance(space: space)
        let first = importance.analyse(observed, seed: 9)
        #expect(importance.analyse(observed.reversed(), seed: 9) == first)
        #expect(importance.analyse(observed, seed: 10) != first)
    }

    // MARK: - The Monte-Carlo decomposition alone

    /// `f = u_a + 2 u_b` in unit coordinates: each main effect is the variance of its grid (16 stratum midpoints,
    /// `(1 − 1/16²)/12`) times its coefficient squared, exactly, whatever the base sample.
    @Test func mainEffectsOfAnAdditiveFunctionAreExact() throws {
        let space = try Self.space()
        let sampler = MainEffects(space: space, baseSamples: 64, gridPoints: 16)
        var generator = SplitMix64(seed: 2)
        let (total, effects) = sampler.estimate({ $0.map { $0.units[0] + 2 * $0.units[1] } }, using: &generator)
        let grid = (1 - 1 / 256.0) / 12
        #expect(abs(effects[0] - grid) < 1e-12)
        #expect(abs(effects[1] - 4 * grid) < 1e-12)
        #expect(effects[2] < 1e-20 && effects[3] < 1e-20)
        #expect(abs(total - 5.0 / 12) < 0.15)
    }

    /// An integer in [2, 4] takes its middle value on half of the unit interval: grid weights 4, 8, 4 of 16.
    @Test func integerGridsAreWeightedByTheSamplingMeasure() throws {
        let space = try SearchSpace(parameters: [Parameter(name: "n", domain: .int(low: 2, high: 4, log: false))])
        let grid = MainEffects(space: space, baseSamples: 4, gridPoints: 16).grid(of: 0)
        #expect(grid.map(\.unit) == [0, 0.5, 1])
        #expect(grid.map(\.weight) == [4, 8, 4])
    }

    /// Setting a parent activates or deactivates its children; setting an inactive child changes nothing.
    @Test func aChildSetWhileInactiveLeavesTheFunctionUnchanged() throws {
        let space = try TestSupport.conditionalSpace()
        let encoding = FeatureEncoding(space: space)
        let sampler = MainEffects(space: space, baseSamples: 128, gridPoints: 8)
        var generator = SplitMix64(seed: 4)
        // f reads only the encoded features: the rank column counts only when kind = lora.
        let rankColumn = encoding.offsets[1]
        let (_, effects) = sampler.estimate(
            { points in
                let matrix = encoding.matrix(points)
                return points.indices.map { matrix[$0 * encoding.width + rankColumn] }
            }, using: &generator)
        // f = u_rank where kind = lora (about a third of the sample), else 0.5: the main effect is p² times the
        // grid's variance. Were an inactive rank to count, it would be the grid's whole variance.
        let gridVariance = MainEffects.variance(sampler.grid(of: 1).map { ($0.unit, $0.weight) })
        #expect(effects[1] > 0.03 * gridVariance && effects[1] < 0.3 * gridVariance)
        #expect(effects[2] < 1e-20 && effects[3] < 1e-20)
    }
}
