import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// `model.text_match`: a gated term that scores candidates by their frozen text vector against the window's mean
/// text vector plus a learnt map of the `[SEQ]` state.
@Suite struct TextMatchTests {
    func model(_ overrides: [String] = []) throws -> (MixRecModel, RecommendationData) {
        let config = try TinyMixRec.config(["model.text_match=true", "losses.balance=0"] + overrides)
        let data = try TinyMixRec.data(config)
        return (TinyMixRec.model(config, data: data), data)
    }

    @Test func theContextHoldsEachPositionsItemAndTheMeanOfTheWindowUpToIt() {
        let table = Tensor([1, 0, 0, 2, 4, 4, 3, 1], shape: [4, 2])
        let means = table.prefixMeans(of: [[1, 2, 0], [3]])
        #expect(means.shape == [6, 2])
        // Window 0: item 1, then mean of 1 and 2, then of 1, 2 and 0; window 1: item 3, then padding.
        expectClose(means.scalars, [0, 2, 2, 3, 5.0 / 3, 2, 3, 1, 0, 0, 0, 0], tolerance: 1e-6)
        let context = TextContext(
            windows: [[1, 2, 0], [3]], rows: [2, 3, 1], textVectors: table, items: TextMatchItems(table: table))
        #expect(context.lasts.scalars == [1, 0, 3, 1, 4, 4])
        expectClose(context.means.scalars, [5.0 / 3, 2, 3, 1, 2, 3], tolerance: 1e-6)
    }

    /// With the gate at 0 the term is silent: the model scores as the model without it, while the term alone, its
    /// query the window's mean text vector, scores as the text nearest-neighbour baseline.
    /// - Note: scores are compared within a tolerance, not rankings exactly: tests running in parallel switch
    ///   OpenBLAS's process-wide thread count, which may change the last bits and so flip near-tied items.
    @Test func aClosedGateScoresAsWithoutTheTermAndTheTermAloneScoresAsTextNeighbours() throws {
        let (model, data) = try self.model(["data.max_history=50"])
        let (plain, _) = try self.model(["model.text_match=false", "data.max_history=50"])
        let cases = data.split.evaluationCases(users: 0..<Int32(data.split.userCount), stage: .test)
        let histories = cases.prefix(8).map { $0.input(maxLength: 50).map { Int($0) } }
        let withTerm = model.historyScorer()(histories)
        let without = plain.historyScorer()(histories)
        expectClose(withTerm.joint.scalars, without.joint.scalars, tolerance: 1e-5)
        expectClose(withTerm.llm.scalars, without.llm.scalars, tolerance: 1e-5)
        expectClose(
            try #require(withTerm.collaborative).scalars, try #require(without.collaborative).scalars, tolerance: 1e-5)
        let textMatch = try #require(model.textMatch)
        textMatch.lastWeight.copyValues(from: Tensor([0], shape: [1]))
        textMatch.meanWeight.copyValues(from: Tensor([1], shape: [1]))
        let text = try #require(model.historyScorer()(histories).text)
        let vectors = model.itemTextVectors
        let neighbours = Tensor.matmul(
            vectors.meanRows(of: histories.map { ArraySlice($0.map { Int32($0) }) }), vectors, transposeB: true)
        expectClose(text.scalars, neighbours.scalars, tolerance: 1e-5)
    }

    /// An open gate moves the joint scores by exactly the weighted term.
    @Test func theJointScoresAddTheGatedTerm() throws {
        let (model, data) = try self.model()
        let textMatch = try #require(model.textMatch)
        textMatch.gate.copyValues(from: Tensor([0.25], shape: [1]))
        #expect(textMatch.weight == 0.25 * TextMatch.gateUnit)
        let histories = data.split.trainingSequences.prefix(4).map { $0.suffix(6).map { Int($0) } }
        let parts = model.historyScorer()(histories)
        let text = try #require(parts.text)
        let llm = parts.llm * (model.linkGate ?? Tensor([1], shape: [1]))
        let expected = try #require(parts.collaborative) + llm + text.scaled(by: textMatch.weight)
        let gap = zip(parts.joint.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 1
        #expect(gap < 1e-4)
    }

    @Test func lossGradientsThroughTheTermMatchFiniteDifferences() throws {
        let (model, data) = try self.model()
        TinyMixRec.perturb(model, seed: 12, scale: 0.1)
        // The `[SEQ]` token and the user injection reach the term through the `[SEQ]` state (expert weights are
        // left out: a finite step can flip an expert's top-k routing).
        let names =
            ["query_map", "last_weight", "mean_weight", "gate"].map { "text_match.\($0)" } + [
                "tokens.seq", "cf_user.weight",
            ]
        TinyMixRec.checkLossGradients(model, data: data, names: names)
    }
}
