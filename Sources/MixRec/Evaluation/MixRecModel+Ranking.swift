import Backbone
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
    /// The text-match term alone (`model.text_match`, ungated).
    case text
    /// The joint scores without the model's ``ScoreCalibration`` (only when it has one).
    case uncalibrated
    /// The collaborative scores with their own fitted text terms (``MixRecModel/collaborativeCalibration``): the
    /// ID model given the same calibration, a baseline (only when fitted).
    case calibratedCollaborative = "calibrated_collaborative"
}

extension MixRecModel {
    /// The sources this model's ranking has: `joint`, with logit-level injection its two parts, with
    /// `model.text_match` the text-match term, and with a calibration the joint scores without it.
    public var scoreSources: [ScoreSource] {
        (self.linkGate != nil && self.collaborative != nil ? [.joint, .collaborative, .llm] : [.joint])
            + (self.textMatch != nil ? [.text] : []) + (self.calibration.isNone ? [] : [.uncalibrated])
            + (self.collaborativeCalibration != nil && self.collaborative != nil ? [.calibratedCollaborative] : [])
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
        let scores = self.historyScorer(encodesItems: !cases.isEmpty)
        return rankCases(
            cases, itemCount: self.itemCount, sources: sources.map(\.rawValue), excludeHistory: excludeHistory,
            groups: groups, batchSize: self.config.evaluation.batchUsers, progress: progress
        ) { batch in
            let parts = scores(batch.map { $0.input(maxLength: self.config.collaborativeHistory).map { Int($0) } })
            return sources.map { source in
                switch source {
                case .joint: parts.joint
                case .collaborative: parts.collaborative ?? parts.joint
                case .llm: parts.llm
                case .text: parts.text ?? parts.joint
                case .uncalibrated: parts.uncalibrated
                case .calibratedCollaborative: parts.calibratedCollaborative ?? parts.joint
                }
            }
        }
    }

    /// Scores batches of histories (each oldest first, at most `collaborativeHistory` items) as evaluation ranks
    /// them: every item is encoded once up front (with context masking; else each batch takes the dense pass).
    /// `joint` includes the model's ``calibration``.
    /// - Parameter encodesItems: false skips encoding the items (nothing will be scored).
    /// - Returns: a function from a batch of histories to their `[B, I]` scores and parts.
    public func historyScorer(encodesItems: Bool = true) -> ([[Int]]) -> ScoreParts {
        let (encoding, collaborativeItems) = withoutGradients {
            (
                !encodesItems || !self.config.model.contextMasking ? nil : self.encodeAllItems(),
                self.collaborative?.itemVectors()
            )
        }
        return { histories in
            withoutGradients {
                self.lastScores(histories, items: encoding, collaborativeItems: collaborativeItems)
            }
        }
    }

    /// `[B, I]` scores from the last `[SEQ]` state of each history's window, its last `data.max_history` items
    /// (span path with `items`, else the dense pass), with their parts; the collaborative model reads the whole
    /// `histories`.
    func lastScores(_ histories: [[Int]], items: ItemEncoding?, collaborativeItems: Tensor? = nil) -> ScoreParts {
        self.experts.reset()
        let width = self.backbone.configuration.width
        var generator = RandomGenerator(seed: 0)
        let windows = histories.map { Array($0.suffix(self.config.data.maximumHistory)) }
        let collaborativeRows = self.collaborativeStates(
            histories, items: collaborativeItems, training: false, generator: &generator
        )
        .map { self.collaborativeRows($0, windows: windows) }
        let userStates = self.userStates(collaborativeRows: collaborativeRows)
        let longest = windows.map(\.count).max() ?? 0
        let last = windows.enumerated().map { $0.offset * longest + $0.element.count - 1 }
        // Only each window's last `[SEQ]` is ranked: the span path runs the last block's MLP for those rows alone.
        let lastStates =
            items.map { self.encodeSequences(windows, items: $0, userStates: userStates, outputRows: last) }
            ?? self.denseSequences(windows, userStates: userStates, training: false, generator: &generator).sequences
            .reshaped([windows.count * longest, width]).gather(rows: last)
        let parts = self.sequenceScoreParts(
            lastStates.reshaped([windows.count, width]),
            collaborative: collaborativeRows?.gather(rows: last),
            collaborativeItems: items.flatMap(self.adaptedCollaborativeItems),
            textContext: self.textContext(windows, rows: last, items: items))
        // The text match costs a `[B, D] × [D, I]` product: only a calibrated model computes it.
        let calibrated = !self.calibration.isNone || self.collaborativeCalibration != nil
        guard calibrated else { return parts }
        let match = self.lastItemTextScores(windows)
        return ScoreParts(
            joint: self.calibration.apply(to: parts.joint, lastItemText: match, unseen: self.unseenItems),
            uncalibrated: parts.joint, collaborative: parts.collaborative, llm: parts.llm, text: parts.text,
            calibratedCollaborative: self.collaborativeCalibration.flatMap { calibration in
                parts.collaborative.map { calibration.apply(to: $0, lastItemText: match, unseen: self.unseenItems) }
            })
    }

    /// `[B, I]`: `⟨t_last, t_i⟩`, each history's last item's frozen text vector against every item's, the text
    /// match of ``ScoreCalibration``.
    public func lastItemTextScores(_ histories: [[Int]]) -> Tensor {
        Tensor.matmul(
            self.itemTextVectors.gather(rows: histories.map { $0[$0.count - 1] }), self.itemTextVectors,
            transposeB: true)
    }

    /// Every item through the item tower, in chunks.
    func encodeAllItems() -> ItemEncoding {
        let chunks = stride(from: 0, to: self.itemCount, by: 1024).map { start in
            self.encodeItems(Array(start..<min(self.itemCount, start + 1024)), training: false)
        }
        return ItemEncoding.joined(chunks)
    }
}
