import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// Batch recommendations (`mixrec recommend --users`): the evaluation's batched ranking agrees with the single-user
/// path, leaves histories out, and unknown user ids are named.
@Suite struct RecommendationTests {
    /// Also with the options whose scores read every item's expert-adapted vector, which the single-user path must
    /// then encode as evaluation does.
    @Test(arguments: [
        [], ["model.text_match=true", "model.text_match_items=adapted"],
        [
            "model.collaborative.item_text=true", "model.collaborative.adapted_text=true", "model.text_vector=align",
        ],
    ])
    func batchTopKEqualsTheSingleUserTopKAndSkipsHistories(options: [String]) throws {
        // Batches of 5 users with histories of different lengths, so padding inside a batch is exercised.
        let config = try TinyMixRec.config(["eval.batch_users=5"] + options)
        let data = try TinyMixRec.data(config)
        let model = TinyMixRec.model(config, data: data)
        TinyMixRec.perturb(model, seed: 41)
        let dataset = data.dataset
        var done: [Int] = []
        let users = Array(dataset.userIDs.indices)
        let batch = UserRecommendations.rank(users, of: dataset, model: model, k: 6) { done.append($0) }
        #expect(done == [5, 10, 15, 20, 24])
        #expect(batch.count == users.count)
        for (user, ranked) in zip(users, batch) {
            let history = dataset.sequences[user].map { Int($0) }
            let single = model.recommend(history: history, k: 6, excluding: Set(history))
            #expect(ranked.user == dataset.userIDs[user])
            #expect(ranked.items.map(\.item) == single.map { dataset.itemIDs[$0.item] })
            expectClose(ranked.items.map(\.score), single.map(\.score), tolerance: 1e-4)
            #expect(ranked.items.count == min(6, dataset.itemCount - Set(history).count))
            #expect(Set(ranked.items.map(\.item)).isDisjoint(with: history.map { dataset.itemIDs[$0] }))
            #expect(ranked.items.map(\.title) == single.map { dataset.itemTexts[$0.item] })
        }
        // Different users get different lists, so the comparison is not trivial.
        #expect(Set(batch.map { $0.items.map(\.item) }).count > 1)
    }

    /// The one-pass top-k equals sorting every item (best first, ties to the lower id) with exclusions.
    @Test func topItemsEqualsAFullSort() {
        var generator = RandomGenerator(seed: 5)
        // Scores from 8 levels, so many ties.
        let scores = (0..<300).map { _ in Float(Int(generator.nextUniform() * 8)) }
        let excluded = Set((0..<300).filter { $0 % 7 == 0 })
        let sorted = scores.enumerated().filter { !excluded.contains($0.offset) }
            .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        for k in [1, 5, 40, 299] {
            let top = scores.withUnsafeBufferPointer { MixRecModel.topItems($0, k: k, excluding: excluded) }
            #expect(top.map(\.item) == sorted.prefix(k).map(\.offset), "k = \(k)")
            #expect(top.map(\.score) == sorted.prefix(k).map(\.element), "k = \(k)")
        }
    }

    @Test func unknownUserIDsAreNamed() throws {
        let data = try TinyMixRec.data(try TinyMixRec.config())
        let dataset = data.dataset
        let known = dataset.userIDs[3]
        #expect(try dataset.users(withIDs: [known, dataset.userIDs[0]]) == [3, 0])
        #expect(throws: UnknownUsersError(ids: ["nobody", "x y"], examples: Array(dataset.userIDs.prefix(3)))) {
            try dataset.users(withIDs: ["nobody", known, "x y"])
        }
        let message = "\(UnknownUsersError(ids: ["nobody", "x y"], examples: ["a"]))"
        #expect(message.contains("nobody") && message.contains("x y"))
    }
}
