import RecData

/// One user's recommended items in the dataset's own ids, best first.
public struct UserRecommendations: Sendable, Equatable, Encodable {
    /// The user's id as in the dataset files.
    public var user: String
    /// The items, best first.
    public var items: [RecommendedItem]

    /// - Parameters:
    ///   - user: the user's id.
    ///   - items: the items, best first.
    public init(user: String, items: [RecommendedItem]) {
        self.user = user
        self.items = items
    }

    /// Every user of `users` (dense ids of `dataset`) with the `k` best items after their whole history, the
    /// history excluded, ranked in batches by ``MixRecModel/recommend(histories:k:excluding:progress:)``.
    /// - Parameter progress: called with the number of users ranked so far after every batch.
    public static func rank(
        _ users: [Int], of dataset: SequentialDataset, model: MixRecModel, k: Int,
        progress: ((Int) -> Void)? = nil
    ) -> [UserRecommendations] {
        let histories = users.map { dataset.sequences[$0].map { Int($0) } }
        let lists = model.recommend(histories: histories, k: k, excluding: histories.map(Set.init), progress: progress)
        return zip(users, lists).map { user, list in
            UserRecommendations(
                user: dataset.userIDs[user],
                items: list.map { RecommendedItem($0, in: dataset) })
        }
    }
}

/// A recommended item: its id as in the dataset files, the model's score and its text.
public struct RecommendedItem: Sendable, Equatable, Encodable {
    /// The item's id.
    public var item: String
    /// The model's score.
    public var score: Float
    /// The item's text (its title; empty when it has none).
    public var title: String

    /// - Parameters:
    ///   - item: the item's id.
    ///   - score: the model's score.
    ///   - title: the item's text.
    public init(item: String, score: Float, title: String) {
        self.item = item
        self.score = score
        self.title = title
    }

    /// `scored` (a dense item id and its score) by `dataset`'s item id and text.
    public init(_ scored: ScoredItem, in dataset: SequentialDataset) {
        self.init(item: dataset.itemIDs[scored.item], score: scored.score, title: dataset.itemTexts[scored.item])
    }
}

extension SequentialDataset {
    /// The dense ids of `ids` (users' ids as in the dataset files), in order.
    /// - Throws: ``UnknownUsersError`` naming every id the dataset does not have.
    public func users(withIDs ids: [String]) throws(UnknownUsersError) -> [Int] {
        let index = Dictionary(self.userIDs.enumerated().map { ($1, $0) }) { first, _ in first }
        let unknown = ids.filter { index[$0] == nil }
        guard unknown.isEmpty else { throw UnknownUsersError(ids: unknown, examples: Array(self.userIDs.prefix(3))) }
        return ids.compactMap { index[$0] }
    }
}

/// User ids the dataset does not have.
public struct UnknownUsersError: Error, Equatable, CustomStringConvertible {
    /// The unknown ids, in the order given.
    public var ids: [String]
    /// A few ids the dataset has, to show what they look like.
    public var examples: [String]

    public var description: String {
        let shown = self.ids.prefix(10).joined(separator: ", ") + (self.ids.count > 10 ? ", …" : "")
        return "\(self.ids.count) user id(s) not in the dataset: \(shown) (ids look like "
            + "\(self.examples.joined(separator: ", ")))"
    }
}
