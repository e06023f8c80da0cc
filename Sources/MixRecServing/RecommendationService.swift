import HTTPServing
import MixRec
import RecData

/// A trained model's recommendations by the dataset's own ids, safe to call from many threads.
///
/// It ranks through one ``HistoryRanker`` made when the service is (every item encoded once), the ranking
/// `mixrec recommend --users` and evaluation use. The model is not thread-safe, so only one thread of the service
/// ranks: concurrent requests queue for it and are ranked together in batches of up to `eval.batch_users`;
/// everything else (parsing, lookups, JSON) runs on the callers' threads. With a ``UserCacheOptions``, that thread
/// also ranks every known user ahead while idle, and a user's request is then answered from memory.
public final class RecommendationService: Sendable {
    /// The dataset the model was trained on: ids, histories and item text.
    public let dataset: SequentialDataset
    private let queue: RankingQueue
    private let cache: KnownUserCache?
    private let rankings = RankingMetrics()
    private let userIndex: [String: Int]
    private let itemIndex: [String: Int]

    /// Encodes the model's items (as evaluation does, so this takes as long as the start of an evaluation pass),
    /// then starts filling the known users' cache when there is one.
    /// - Parameters:
    ///   - model: the trained model, used by this service only from now on.
    ///   - dataset: its dataset.
    ///   - userCache: how to cache known users' top lists; nil ranks every request live.
    public init(model: sending MixRecModel, dataset: SequentialDataset, userCache: UserCacheOptions?) {
        self.dataset = dataset
        self.queue = RankingQueue(ranker: HistoryRanker(model: model))
        self.cache = userCache.map {
            KnownUserCache(histories: dataset.sequences.map { $0.map { Int($0) } }, options: $0)
        }
        self.userIndex = Dictionary(dataset.userIDs.enumerated().map { ($1, $0) }) { first, _ in first }
        self.itemIndex = Dictionary(dataset.itemIDs.enumerated().map { ($1, $0) }) { first, _ in first }
        if let cache = self.cache { self.queue.fill(cache) }
    }

    deinit { self.queue.close() }

    /// The `k` best items after `user`'s whole history, the history excluded, as `mixrec recommend` ranks them.
    /// - Throws: ``ServeRequestError`` for an unknown user, one without items or `k` outside 1...item count.
    public func recommend(user: String, k: Int) throws(ServeRequestError) -> [RecommendedItem] {
        guard let index = self.userIndex[user] else {
            throw .unknownUser(user, examples: Array(self.dataset.userIDs.prefix(3)))
        }
        return try self.recommend(after: self.dataset.sequences[index].map { Int($0) }, k: k, user: index)
    }

    /// The `k` best items after `history` (item ids, oldest first), those items excluded.
    /// - Throws: ``ServeRequestError`` naming unknown items, for an empty history or `k` outside 1...item count.
    public func recommend(history: [String], k: Int) throws(ServeRequestError) -> [RecommendedItem] {
        let unknown = history.filter { self.itemIndex[$0] == nil }
        guard unknown.isEmpty else { throw .unknownItems(unknown, examples: Array(self.dataset.itemIDs.prefix(3))) }
        return try self.recommend(after: history.compactMap { self.itemIndex[$0] }, k: k)
    }

    /// The item's text (its title; empty when it has none), nil when the dataset has no such item.
    public func title(ofItem id: String) -> String? {
        self.itemIndex[id].map { self.dataset.itemTexts[$0] }
    }

    /// How far the known users' cache is, nil when the service has none.
    public var userCacheProgress: UserCacheProgress? {
        self.cache?.progress
    }

    /// Appends the recommendations by source (cache or live) and the cache's progress to `/metrics`.
    func writeMetrics(to out: inout PrometheusText, prefix: String) {
        self.rankings.write(to: &out, prefix: prefix, cache: self.userCacheProgress)
    }

    /// The `k` best items after `history`: the cached list's prefix when `user` (the history's owner, by index) is
    /// cached and `k` is within the cache's depth, else a live ranking.
    private func recommend(after history: [Int], k: Int, user: Int? = nil) throws(ServeRequestError)
        -> [RecommendedItem]
    {
        guard (1...self.dataset.itemCount).contains(k) else {
            throw .kOutOfRange(k: k, itemCount: self.dataset.itemCount)
        }
        guard !history.isEmpty else { throw .emptyHistory }
        let cached = user.flatMap { self.cache?.top(user: $0, k: k) }
        self.rankings.record(cached == nil ? .live : .cache)
        return (cached ?? self.queue.top(after: history, k: k)).map { RecommendedItem($0, in: self.dataset) }
    }
}
