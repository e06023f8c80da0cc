import Tensor

/// One recommended item: its dense id and the model's score.
public typealias ScoredItem = (item: Int, score: Float)

extension MixRecModel {
    /// The `k` best-scored items after `history` (oldest first), excluding `excluded`, best first.
    ///
    /// Encodes only the history's items (quick for one user; every item when the scores read every item's adapted
    /// vector, ``scoresReadAdaptedItems``); ``recommend(histories:k:excluding:progress:)`` ranks many users as
    /// evaluation does.
    public func recommend(history: [Int], k: Int, excluding excluded: Set<Int>) -> [ScoredItem] {
        let recent = Array(history.suffix(self.config.collaborativeHistory))
        let window = recent.suffix(self.config.data.maximumHistory)
        let scores = withoutGradients {
            let items =
                self.scoresReadAdaptedItems
                ? self.encodeAllItems() : self.encodeItems(Array(Set(window)).sorted(), training: false)
            return self.lastScores([recent], items: items).joint
        }
        return scores.withUnsafeBufferPointer { Self.topItems($0, k: k, excluding: excluded) }
    }

    /// The `k` best-scored items after each of `histories` (oldest first), excluding that user's entry of
    /// `excluded`, best first: users are ranked `eval.batch_users` at a time by a ``HistoryRanker``, as evaluation
    /// ranks them.
    /// - Parameters:
    ///   - histories: one history per user; an empty history gets no recommendations.
    ///   - excluded: per user, the items not to recommend (same count as `histories`).
    ///   - progress: called with the number of users ranked so far after every batch.
    /// - Returns: per user, at most `k` items.
    public func recommend(
        histories: [[Int]], k: Int, excluding excluded: [Set<Int>], progress: ((Int) -> Void)? = nil
    ) -> [[ScoredItem]] {
        precondition(histories.count == excluded.count, "one exclusion set per history")
        var lists = [[ScoredItem]](repeating: [], count: histories.count)
        let users = histories.indices.filter { !histories[$0].isEmpty }
        let ranker = HistoryRanker(model: self, encodesItems: !users.isEmpty)
        let batchSize = self.config.evaluation.batchUsers
        for start in stride(from: 0, to: users.count, by: batchSize) {
            let batch = Array(users[start..<min(users.count, start + batchSize)])
            let ranked = ranker.top(batch.map { histories[$0] }, k: k, excluding: batch.map { excluded[$0] })
            for (user, list) in zip(batch, ranked) { lists[user] = list }
            progress?(start + batch.count)
        }
        return lists
    }

    /// The `k` highest of `scores` (indexed by item) outside `excluded`, best first; ties go to the lower id.
    /// One pass keeping the best `k` so far (no sort of every item per user).
    static func topItems(_ scores: UnsafeBufferPointer<Float>, k: Int, excluding excluded: Set<Int>) -> [ScoredItem] {
        func ranksAbove(_ a: ScoredItem, _ b: ScoredItem) -> Bool {
            a.score != b.score ? a.score > b.score : a.item < b.item
        }
        var best: [ScoredItem] = []
        best.reserveCapacity(k + 1)
        for (item, score) in scores.enumerated() where !excluded.contains(item) {
            let candidate = (item: item, score: score)
            if best.count == k, let last = best.last, !ranksAbove(candidate, last) { continue }
            best.insert(candidate, at: best.firstIndex { ranksAbove(candidate, $0) } ?? best.endIndex)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
