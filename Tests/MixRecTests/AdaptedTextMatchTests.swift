import ConfigKit
import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// `model.text_match_items: adapted`: the text-match term scores items by their frozen text vectors moved by what the
/// experts changed in their `[ALIGN]` vectors.
@Suite struct AdaptedTextMatchTests {
    static let overrides = ["model.text_match=true", "model.text_match_items=adapted", "losses.balance=0"]

    func model(_ overrides: [String]) throws -> (MixRecModel, RecommendationData) {
        let config = try TinyMixRec.config(overrides)
        let data = try TinyMixRec.data(config)
        return (TinyMixRec.model(config, data: data), data)
    }

    /// Candidates score by the table alone; the changed rows read as queries with their change added, and the
    /// change's gradient flows through them.
    @Test func changedRowsReadAsQueriesAndCandidatesAsTheTable() {
        let table = randomTensor([5, 3], seed: 1, requiresGrad: false)
        let change = randomTensor([2, 3], seed: 2, requiresGrad: false)
        let items = TextMatchItems(table: table, change: change, changed: [3, 0])
        let query = randomTensor([4, 3], seed: 3, requiresGrad: false)
        let expected = Tensor.matmul(query, table, transposeB: true)
        expectClose(items.scores(query).scalars, expected.scalars, tolerance: 1e-6)
        let rows = [0, 2, 3, 3]
        let whole = table + change.placed(at: [3, 0], count: 5)
        expectClose(items.vectors(of: rows).scalars, whole.gather(rows: rows).scalars, tolerance: 1e-6)
        checkGradients([randomTensor([2, 3], seed: 4)]) { inputs in
            TextMatchItems(table: table, change: inputs[0], changed: [3, 0]).vectors(of: [3, 1, 0, 3])
        }
    }

    /// With every expert at the identity the term reads the frozen text vectors, so the model ranks as with
    /// `frozen`; once the experts move, the item vectors move with them (in a training step only where read as
    /// queries), and a refresh (which moves the change into the table) leaves evaluation's scores where they are.
    @Test func identityExpertsScoreAsTheFrozenTextAndMovedOnesDoNot() throws {
        let (adapted, data) = try self.model(Self.overrides)
        let (frozen, _) = try self.model(Self.overrides.filter { !$0.hasPrefix("model.text_match_items") })
        for model in [adapted, frozen] {
            try #require(model.textMatch).gate.copyValues(from: Tensor([0.5], shape: [1]))
        }
        let histories = data.split.trainingSequences.prefix(6).map { $0.suffix(6).map { Int($0) } }
        let before = adapted.historyScorer()(histories)
        let plain = frozen.historyScorer()(histories)
        expectClose(try #require(before.text).scalars, try #require(plain.text).scalars, tolerance: 1e-5)
        expectClose(before.joint.scalars, plain.joint.scalars, tolerance: 1e-4)
        for (index, entry) in adapted.parameters.entries.enumerated() where entry.name.hasPrefix("experts.") {
            let noise = randomTensor(entry.tensor.shape, seed: 5 + UInt64(index), scale: 0.2, requiresGrad: false)
            entry.tensor.copyValues(from: entry.tensor + noise)
        }
        let moved = try #require(adapted.historyScorer()(histories).text)
        let change = zip(moved.scalars, try #require(plain.text).scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(change > 1e-3, "the experts change the text-match scores")
        // In a step, the encoded items read their fresh vectors (evaluation's) as queries, and every candidate scores
        // alike, whichever items the step encodes.
        let all = adapted.textMatchItems(adapted.encodeAllItems()).table
        let (some, others) = ([0, 2, 5], [1, 5, 7])
        let step = adapted.textMatchItems(adapted.encodeItems(some, training: false))
        expectClose(step.vectors(of: some).scalars, all.gather(rows: some).scalars, tolerance: 1e-5)
        let query = randomTensor([2, all.shape[1]], seed: 4, requiresGrad: false)
        let otherStep = adapted.textMatchItems(adapted.encodeItems(others, training: false))
        #expect(step.scores(query).scalars == otherStep.scores(query).scalars)
        #expect(step.scores(query).scalars == Tensor.matmul(query, adapted.textMatchTable, transposeB: true).scalars)
        adapted.refreshAdaptedText()
        #expect(adapted.textMatchTable.scalars != adapted.itemTextVectors.scalars, "the table holds the change")
        expectClose(try #require(adapted.historyScorer()(histories).text).scalars, moved.scalars, tolerance: 1e-5)
    }

    /// The link loss reaches the experts, the task tokens and the `[CF]` injection through the adapted item vectors
    /// (the item tower's expert weights are perturbed off the identity first).
    @Test func lossGradientsThroughTheAdaptedItemsFiniteDifferences() throws {
        let (model, data) = try self.model(Self.overrides + ["losses.align=0", "losses.hard=0"])
        TinyMixRec.perturb(model, seed: 9, scale: 0.1)
        model.refreshAdaptedText()
        // The term alone carries the gradient into the item tower: the LLM side's link scores are gated off.
        model.linkGate?.copyValues(from: Tensor([0], shape: [1]))
        let names = ["tokens.align", "tokens.cf", "cf_item.output.weight", "text_match.last_weight"]
        let expertNames = model.parameters.entries.map(\.name).filter {
            $0.hasPrefix("experts.layer1.") && !$0.contains("router")
        }
        TinyMixRec.checkLossGradients(model, data: data, names: names + expertNames.prefix(4))
    }

    @Test func needsTheTermContextMaskingAndWFromTheAlignStates() {
        for other in [
            "model.text_match=false", "model.context_masking=false", "model.item_projection_init=text_vector",
        ] {
            #expect(throws: ConfigError.self, "\(other)") { try TinyMixRec.config(Self.overrides + [other]) }
        }
        #expect(throws: ConfigError.self) { try TinyMixRec.config(["model.text_match_items=learnt"]) }
    }
}
