import RecData
import Tensor

/// Where a score row comes from.
public enum ScoreSource: String, Sendable, CaseIterable {
    /// The model's ranking: the collaborative scores plus the gated LLM scores (with logit-level injection), else
    /// the LLM scores.
    case joint
    /// The collaborative model's own scores at the same positions.
    case collaborative
    /// The LLM side's scores alone (from the `[SEQ]` state, without the collaborative scores or the gate).
    case llm
}

extension MixRecModel {
    /// The sources this model's ranking has: `joint`, and with logit-level injection its two parts.
    public var scoreSources: [ScoreSource] {
        self.linkGate != nil && self.collaborative != nil ? [.joint, .collaborative, .llm] : [.joint]
    }

    /// Full-ranking metrics of `cases` per score source (``scoreSources``), history protocol and case group.
    ///
    /// Every item is encoded once; each case's window (its last `data.max_history` items) then runs through the
    /// sequence tower and the final `[SEQ]` state scores all items.
    /// - Parameters:
    ///   - cases: the validation or test cases to rank.
    ///   - excludeHistory: one entry per protocol: true leaves the input history out of the ranking.
    ///   - groups: the groups cases are reported in.
    ///   - progress: called with the number of cases done after every batch.
    func rank(
        _ cases: [EvaluationCase], excludeHistory: [Bool], groups: CaseGroups, progress: ((Int) -> Void)? = nil
    ) -> RankingReport {
        let sources = self.scoreSources
        let (encoding, collaborativeItems) = withoutGradients {
            (
                cases.isEmpty || !self.config.model.contextMasking ? nil : self.encodeAllItems(),
                self.collaborative?.itemVectors()
            )
        }
        return rankCases(
            cases, itemCount: self.itemCount, sources: sources.map(\.rawValue), excludeHistory: excludeHistory,
            groups: groups, batchSize: self.config.evaluation.batchUsers, progress: progress
        ) { batch in
            let parts = self.lastScores(
                batch.map { $0.input(maxLength: self.config.collaborativeHistory).map { Int($0) } }, items: encoding,
                collaborativeItems: collaborativeItems)
            return sources.map { source in
                switch source {
                case .joint: parts.joint
                case .collaborative: parts.collaborative ?? parts.joint
                case .llm: parts.llm
                }
            }
        }
    }

    /// The `k` best-scored items after `history` (oldest first), excluding `excluded`, best first.
    public func recommend(history: [Int], k: Int, excluding excluded: Set<Int>) -> [(item: Int, score: Float)] {
        let recent = Array(history.suffix(self.config.collaborativeHistory))
        let window = recent.suffix(self.config.data.maximumHistory)
        let scores = withoutGradients {
            self.lastScores([recent], items: self.encodeItems(Array(Set(window)).sorted(), training: false)).joint
        }
        return scores.scalars.enumerated()
            .filter { !excluded.contains($0.offset) }
            .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(k)
            .map { (item: $0.offset, score: $0.element) }
    }

    /// `[B, I]` scores from the last `[SEQ]` state of each history's window, its last `data.max_history` items
    /// (span path with `items`, else the dense pass), with their parts; the collaborative model reads the whole
    /// `histories`.
    private func lastScores(_ histories: [[Int]], items: ItemEncoding?, collaborativeItems: Tensor? = nil) -> ScoreParts
    {
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
        return self.sequenceScoreParts(
            hidden.reshaped([windows.count * longest, width]).gather(rows: last),
            collaborative: collaborativeRows?.gather(rows: last),
            collaborativeItems: items.flatMap(self.adaptedCollaborativeItems))
    }

    /// Every item through the item tower, in chunks.
    func encodeAllItems() -> ItemEncoding {
        let chunks = stride(from: 0, to: self.itemCount, by: 1024).map { start in
            self.encodeItems(Array(start..<min(self.itemCount, start + 1024)), training: false)
        }
        return ItemEncoding.joined(chunks)
    }
}
