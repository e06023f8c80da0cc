import Cluster
import ConfigKit
import Foundation
import Testing

@Suite struct SyntheticSearchTests {
    private let space = SearchSpaceFile.box(["x": (-5, 10), "y": (0, 15)])

    @Test func braninHasItsKnownMinimumAtPi() throws {
        let best = try SyntheticFunction.branin.score(at: ["x": .pi, "y": 2.275])
        #expect(abs(best + 0.397887) < 1e-5)
        #expect(try SyntheticFunction.branin.score(at: ["x": 0, "y": 0]) < best)
        let missing = #expect(throws: TrialObjectiveError.self) { try SyntheticFunction.branin.score(at: ["x": 1]) }
        #expect(missing?.missing == ["x", "y"])
        #expect(try SyntheticFunction.sphere.score(at: ["a": 3, "b": -4]) == -25)
    }

    @Test func theUniformProposerIsDeterministicInsideTheSpaceAndDoesNotRepeat() {
        var proposer = UniformProposer(space: self.space, seed: 11)
        let first = proposer.propose(count: 3, observations: [], pending: [])
        let again = proposer.propose(count: 3, observations: [], pending: [])
        #expect(first == again)
        let next = proposer.propose(count: 1, observations: [], pending: first)
        #expect(next.count == 1 && !first.contains(next[0]))
        for params in first + next {
            let point = params.numericValues
            #expect((-5...10).contains(point["x"] ?? .nan) && (0...15).contains(point["y"] ?? .nan))
        }
    }

    @Test func theMedianPrunerPrunesBelowTheMedianAfterItsWarmup() {
        let pruner = MedianPruner(warmupTrials: 2, warmupEpochs: 1)
        let curves: [TrialID: [Int: Double]] = [
            TrialID(1): [1: 0.5, 2: 0.6], TrialID(2): [1: 0.4, 2: 0.7], TrialID(3): [1: 0.1, 2: 0.2],
        ]
        #expect(pruner.shouldPrune(trial: TrialID(3), epoch: 2, curves: curves))
        #expect(!pruner.shouldPrune(trial: TrialID(3), epoch: 1, curves: curves), "still warming up")
        #expect(!pruner.shouldPrune(trial: TrialID(2), epoch: 2, curves: curves))
        #expect(!pruner.shouldPrune(trial: TrialID(3), epoch: 2, curves: [TrialID(3): [2: 0.2], TrialID(1): [2: 0.6]]))
    }
}

extension SearchSpaceFile {
    /// A space of the given ranges, through the YAML reader.
    static func box(_ ranges: [String: (Double, Double)]) -> SearchSpaceFile {
        let lines = ranges.map { "  \($0.key): {low: \($0.value.0), high: \($0.value.1)}" }.joined(separator: "\n")
        guard let document = try? ConfigDocument(yaml: "parameters:\n" + lines), let space = try? Self(document.root)
        else { preconditionFailure("a valid test space") }
        return space
    }
}
