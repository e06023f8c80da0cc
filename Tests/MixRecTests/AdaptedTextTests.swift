import ConfigKit
import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// `model.collaborative.adapted_text`: the collaborative model scores items by their expert-adapted text.
@Suite struct AdaptedTextTests {
    static let overrides = [
        "model.collaborative.item_text=true", "model.collaborative.adapted_text=true", "train.cf_lr_scale=1",
        "losses.balance=0", "model.text_vector=align",
    ]

    func model(_ overrides: [String]) throws -> (MixRecModel, RecommendationData) {
        let config = try TinyMixRec.config(overrides)
        let data = try TinyMixRec.data(config)
        return (TinyMixRec.model(config, data: data), data)
    }

    /// With every expert at the identity the adapted text vectors are the frozen ones, so the model ranks as the
    /// model without the option does; once the experts move, the collaborative item vectors move with them.
    @Test func identityExpertsRankAsTheFrozenTextAndMovedOnesDoNot() throws {
        let (adapted, data) = try self.model(Self.overrides)
        let (frozen, _) = try self.model(Self.overrides.filter { !$0.contains("adapted_text") })
        let collaborative = try #require(adapted.collaborative)
        let all = adapted.encodeAllItems()
        #expect(adapted.textVectors(align: all.align).scalars == adapted.itemTextVectors.scalars)
        #expect(adapted.adaptedCollaborativeItems(all)?.scalars == collaborative.itemVectors().scalars)
        let cases = data.split.evaluationCases(users: 0..<Int32(data.split.userCount), stage: .test)
        let groups = CaseGroups(
            popularity: PopularityBuckets(trainingSequences: data.split.trainingSequences, itemCount: data.itemCount),
            coldItems: nil)
        #expect(
            adapted.rank(cases, excludeHistory: [true], groups: groups)
                == frozen.rank(cases, excludeHistory: [true], groups: groups))
        for (index, entry) in adapted.parameters.entries.enumerated() where entry.name.hasPrefix("experts.") {
            let noise = randomTensor(entry.tensor.shape, seed: 5 + UInt64(index), scale: 0.2, requiresGrad: false)
            entry.tensor.copyValues(from: entry.tensor + noise)
        }
        let moved = try #require(adapted.adaptedCollaborativeItems(adapted.encodeAllItems()))
        let change = zip(moved.scalars, collaborative.itemVectors().scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(change > 1e-3, "the experts change the collaborative item vectors")
        adapted.refreshAdaptedText()
        #expect(adapted.adaptedTextCache.scalars != adapted.itemTextVectors.scalars, "the cache holds the new vectors")
    }

    @Test func lossGradientsThroughTheAdaptedTextMatchFiniteDifferences() throws {
        let (model, data) = try self.model(Self.overrides + ["model.collaborative.max_history=9"])
        TinyMixRec.perturb(model, seed: 8, scale: 0.1)
        model.refreshAdaptedText()
        let names = ["collaborative.text_projection", "tokens.align", "tokens.cf", "cf_item.output.weight"]
        let expertNames = model.parameters.entries.map(\.name).filter { $0.hasPrefix("experts.layer1.") }
        TinyMixRec.checkLossGradients(
            model, data: data, names: names + expertNames.prefix(4), collaborativeHistory: 9)
    }

    @Test func needsTheCollaborativeTextScoresAndContextMasking() {
        for other in [
            "model.collaborative.item_text=false", "model.collaborative.inject_scores=false",
            "model.context_masking=false", "model.text_vector=token_mean",
        ] {
            #expect(throws: ConfigError.self, "\(other)") { try TinyMixRec.config(Self.overrides + [other]) }
        }
    }
}
