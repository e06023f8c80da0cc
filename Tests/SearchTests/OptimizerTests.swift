import Foundation
import Testing

@testable import Search

@Suite struct OptimizerTests {
    /// Observations of the conditional objective at `count` random configurations.
    static func observations(_ count: Int, seed: UInt64) throws -> [Observation] {
        let space = try TestSupport.conditionalSpace()
        return RandomSearch(space: space).propose(count: count, seed: seed, trialIndex: 0).map {
            Observation(configuration: $0, value: TestSupport.conditionalObjective($0))
        }
    }

    static var fastSettings: OptimizerSettings {
        var settings = OptimizerSettings()
        settings.candidates = 256
        settings.localSteps = 8
        return settings
    }

    @Test func rebuildingFromStoredObservationsGivesIdenticalProposals() throws {
        let space = try TestSupport.conditionalSpace()
        let optimizer = BayesianOptimizer(space: space, direction: .minimize, settings: Self.fastSettings)
        let observations = try Self.observations(12, seed: 1)
        let pending = [observations[0].configuration]
        let first = try optimizer.propose(count: 2, seed: 42, observations: observations, pending: pending)
        // Round-trip through canonical JSON, as the coordinator's database would store them, and shuffle.
        var stored: [Observation] = []
        for observation in observations.reversed() {
            let json = observation.configuration.canonicalJSON
            stored.append(Observation(configuration: try Configuration(json: json), outcome: observation.outcome))
        }
        let rebuilt = BayesianOptimizer(space: space, direction: .minimize, settings: Self.fastSettings)
        let second = try rebuilt.propose(count: 2, seed: 42, observations: stored, pending: pending)
        #expect(first.configurations.map(\.canonicalJSON) == second.configurations.map(\.canonicalJSON))
        #expect(first.sources == [.model, .model])
        // A different seed explores differently.
        let other = try optimizer.propose(count: 2, seed: 43, observations: observations, pending: pending)
        #expect(other.configurations != first.configurations)
    }

    @Test func batchAndPendingFantasiesGiveDistinctProposals() throws {
        let space = try SyntheticObjective.branin.space
        let optimizer = BayesianOptimizer(space: space, direction: .minimize, settings: Self.fastSettings)
        let observations = RandomSearch(space: space).propose(count: 10, seed: 3, trialIndex: 0).map {
            Observation(configuration: $0, value: try! SyntheticObjective.branin.evaluate($0))
        }
        let single = try optimizer.propose(count: 1, seed: 9, observations: observations)
        // With the first proposal pending, the next one must go elsewhere.
        let next = try optimizer.propose(count: 1, seed: 9, observations: observations, pending: single.configurations)
        #expect(next.configurations[0] != single.configurations[0])
        let batch = try optimizer.propose(count: 4, seed: 9, observations: observations)
        let points = batch.configurations.map { [$0["x1"]?.number ?? 0, $0["x2"]?.number ?? 0] }
        for i in 0..<4 {
            for j in 0..<i {
                let distance =
                    ((points[i][0] - points[j][0]) / 15 * (points[i][0] - points[j][0]) / 15
                    + (points[i][1] - points[j][1]) / 15 * (points[i][1] - points[j][1]) / 15).squareRoot()
                #expect(distance > 1e-3, "proposals \(i) and \(j) coincide: \(points)")
            }
        }
    }

    @Test func initialDesignComesFirstAndIsResumable() throws {
        let space = try TestSupport.conditionalSpace()
        let optimizer = BayesianOptimizer(space: space, direction: .minimize, settings: Self.fastSettings)
        let all = try optimizer.propose(count: 5, seed: 8, observations: [])
        #expect(all.sources == Array(repeating: .initialDesign, count: 5))
        #expect(Set(all.configurations.map(\.canonicalJSON)).count == 5)
        // Two trials done, one pending: the next design points are the same as in one go.
        let done = all.configurations.prefix(2).map {
            Observation(configuration: $0, value: TestSupport.conditionalObjective($0))
        }
        let resumed = try optimizer.propose(count: 2, seed: 8, observations: done, pending: [all.configurations[2]])
        #expect(resumed.configurations == Array(all.configurations[3...4]))
    }

    @Test func failedTrialsAreImputedAsWorstAndNotRevisited() throws {
        let space = try SyntheticObjective.branin.space
        let optimizer = BayesianOptimizer(space: space, direction: .minimize, settings: Self.fastSettings)
        var observations = RandomSearch(space: space).propose(count: 8, seed: 5, trialIndex: 0).map {
            Observation(configuration: $0, value: try! SyntheticObjective.branin.evaluate($0))
        }
        // A failure right at Branin's minimum (π, 2.275): the model must not see it as good.
        let failed = Configuration(["x1": .double(Double.pi), "x2": .double(2.275)])
        observations.append(Observation(configuration: failed, outcome: .failed))
        let proposal = try optimizer.propose(count: 1, seed: 2, observations: observations)
        #expect(proposal.diagnostics.contains { $0.kind == .failedTrialsImputed })
        let x1 = proposal.configurations[0]["x1"]?.number ?? 0
        let x2 = proposal.configurations[0]["x2"]?.number ?? 0
        #expect(hypot((x1 - Double.pi) / 15, (x2 - 2.275) / 15) > 0.02)
        // NaN values count as failures too.
        #expect(Observation(configuration: failed, value: .nan).outcome == .failed)
    }

    @Test func equalValuesAndAllFailuresDegradeWithAReason() throws {
        let space = try TestSupport.conditionalSpace()
        let optimizer = BayesianOptimizer(space: space, direction: .maximize, settings: Self.fastSettings)
        let configurations = RandomSearch(space: space).propose(count: 8, seed: 4, trialIndex: 0)
        let flat = configurations.map { Observation(configuration: $0, value: 0.25) }
        let proposal = try optimizer.propose(count: 2, seed: 1, observations: flat)
        #expect(proposal.diagnostics.contains { $0.kind == .constantObservations })
        #expect(proposal.configurations.count == 2)
        for configuration in proposal.configurations { #expect(try space.validate(configuration) == configuration) }
        let failures = configurations.map { Observation(configuration: $0, outcome: .failed) }
        let fallback = try optimizer.propose(count: 1, seed: 1, observations: failures)
        #expect(fallback.sources == [.random])
        #expect(fallback.diagnostics.contains { $0.kind == .randomFallback })
    }

    @Test func invalidObservationsAreRejectedNamingTheParameter() throws {
        let space = try TestSupport.conditionalSpace()
        let optimizer = BayesianOptimizer(space: space, direction: .minimize)
        let bad = Observation(configuration: Configuration(["kind": .string("lora"), "lr": .double(1e-3)]), value: 1)
        #expect(throws: SearchError.invalidConfiguration(parameter: "rank", reason: "is missing")) {
            _ = try optimizer.propose(seed: 1, observations: [bad])
        }
        #expect(throws: SearchError.self) { _ = try optimizer.propose(count: 0, seed: 1, observations: []) }
    }

    @Test func conditionalSearchFindsTheGoodBranch() throws {
        let space = try TestSupport.conditionalSpace()
        let optimizer = BayesianOptimizer(space: space, direction: .minimize, settings: Self.fastSettings)
        let trials = try LocalSearch(optimizer: optimizer, seed: 21).run(trials: 20, batch: 2) {
            TestSupport.conditionalObjective($0)
        }
        for trial in trials { #expect(try space.validate(trial.configuration) == trial.configuration) }
        let best = try #require(trials.min { $0.value < $1.value })
        let random =
            RandomSearch(space: space).propose(count: 20, seed: 21, trialIndex: 0)
            .map(TestSupport.conditionalObjective).min() ?? 0
        #expect(best.value < random)
        // The lora branch reaches 0, bottleneck 0.5, none 1: the search must beat "none" at least.
        #expect(best.value < 0.9)
    }
}
