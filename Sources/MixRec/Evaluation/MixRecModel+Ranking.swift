import RecData
import Tensor

extension MixRecModel {
    /// Full-ranking metrics of `cases` under each history protocol.
    ///
    /// Every item is encoded once; each case's window (its last `data.max_history` items) then runs through the
    /// sequence tower and the final `[SEQ]` state scores all items.
    /// - Parameters:
    ///   - cases: the validation or test cases to rank.
    ///   - excludeHistory: one entry per protocol: true leaves the input history out of the ranking.
    ///   - progress: called with the number of cases done after every batch.
    /// - Returns: one accumulator per protocol.
    public func rank(
        _ cases: [EvaluationCase], excludeHistory: [Bool], progress: ((Int) -> Void)? = nil
    ) -> [RankingMetrics] {
        guard !cases.isEmpty else { return excludeHistory.map { _ in RankingMetrics() } }
        let (encoding, collaborativeItems) = withoutGradients {
            (self.config.model.contextMasking ? self.encodeAllItems() : nil, self.collaborative?.itemVectors())
        }
        return rankCases(
            cases, itemCount: self.itemCount, excludeHistory: excludeHistory,
            batchSize: self.config.evaluation.batchUsers, progress: progress
        ) { batch in
            self.lastScores(
                batch.map { $0.input(maxLength: self.config.collaborativeHistory).map { Int($0) } }, items: encoding,
                collaborativeItems: collaborativeItems)
        }
    }

    /// The `k` best-scored items after `history` (oldest first), excluding `excluded`, best first.
    public func recommend(history: [Int], k: Int, excluding excluded: Set<Int>) -> [(item: Int, score: Float)] {
        let recent = Array(history.suffix(self.config.collaborativeHistory))
        let window = recent.suffix(self.config.data.maximumHistory)
        let scores = withoutGradients {
            self.lastScores([recent], items: self.encodeItems(Array(Set(window)).sorted(), training: false))
        }
        return scores.scalars.enumerated()
            .filter { !excluded.contains($0.offset) }
            .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(k)
            .map { (item: $0.offset, score: $0.element) }
    }

    /// `[B, I]` scores from the last `[SEQ]` state of each history's window, its last `data.max_history` items
    /// (span path with `items`, else the dense pass); the collaborative model reads the whole `histories`.
    private func lastScores(_ histories: [[Int]], items: ItemEncoding?, collaborativeItems: Tensor? = nil) -> Tensor {
        self.experts.reset()
        let width = self.backbone.configuration.width
        var generator = RandomGenerator(seed: 0)
        let windows = histories.map { Array($0.suffix(self.config.data.maximumHistory)) }
        let collaborativeRows = self.collaborativeStates(
            histories, items: collaborativeItems, training: false, generator: &generator
        )
        .map { self.collaborativeRows($0, windows: windows) }
        let userStates = self.userStates(collaborativeRows: collaborativeRows)
        let hidden =
            items.map { self.encodeSequences(windows, items: $0, userStates: userStates) }
            ?? self.denseSequences(windows, userStates: userStates, training: false, generator: &generator).sequences
        let longest = hidden.shape[1]
        let last = windows.enumerated().map { $0.offset * longest + $0.element.count - 1 }
        return self.sequenceScores(
            hidden.reshaped([windows.count * longest, width]).gather(rows: last),
            collaborative: collaborativeRows?.gather(rows: last))
    }

    /// Every item through the item tower, in chunks.
    private func encodeAllItems() -> ItemEncoding {
        let chunks = stride(from: 0, to: self.itemCount, by: 1024).map { start in
            self.encodeItems(Array(start..<min(self.itemCount, start + 1024)), training: false)
        }
        return ItemEncoding.joined(chunks)
    }
}
