import Tensor

/// Ranks every item after histories as evaluation does (``MixRecModel/historyScorer(encodesItems:)``): the items
/// are encoded once when the ranker is made, then each call scores a batch of histories against all of them.
///
/// Batch recommendations (`mixrec recommend --users`) and `mixrec serve` both rank through it.
///
/// - Note: Not thread-safe: the model's forward pass keeps per-call state (expert routing, buffers), so calls,
///   also through different rankers of one model, must not overlap.
public struct HistoryRanker {
    /// The model ranked with.
    public let model: MixRecModel
    private let scores: ([[Int]]) -> ScoreParts

    /// Encodes the model's items (the slow part: the item tower over every item's text).
    /// - Parameter encodesItems: false skips encoding (nothing will be ranked).
    public init(model: MixRecModel, encodesItems: Bool = true) {
        self.model = model
        self.scores = model.historyScorer(encodesItems: encodesItems)
    }

    /// The `k` best-scored items after each history, excluding that history's entry of `excluded`, best first;
    /// ties go to the lower id.
    /// - Parameters:
    ///   - histories: dense item ids, oldest first, each non-empty; only the last `collaborativeHistory` items are
    ///     read. Scored as one batch: callers keep batches at `eval.batch_users`.
    ///   - excluded: per history, the items not to recommend (same count as `histories`).
    /// - Returns: per history, at most `k` items.
    public func top(_ histories: [[Int]], k: Int, excluding excluded: [Set<Int>]) -> [[ScoredItem]] {
        precondition(histories.count == excluded.count, "one exclusion set per history")
        precondition(histories.allSatisfy { !$0.isEmpty }, "histories to rank must not be empty")
        let itemCount = self.model.itemCount
        let matrix = self.scores(histories.map { Array($0.suffix(self.model.config.collaborativeHistory)) }).joint
        return matrix.withUnsafeBufferPointer { buffer in
            excluded.enumerated().map { row, excluded in
                let offset = row * itemCount
                return MixRecModel.topItems(
                    UnsafeBufferPointer(rebasing: buffer[offset..<(offset + itemCount)]), k: k, excluding: excluded)
            }
        }
    }
}
