import RecData
import Tensor

/// Ranks a case's target under every candidate of a calibration fit at once: the ranks ``TargetRanker`` gives on the
/// rows ``ScoreCalibration/apply(_:to:lastItemText:unseen:)`` makes, without making them.
///
/// Beyond its `α`, a candidate changes only the unseen items' scores. So the trained items are shifted and counted
/// once per `α`, and each candidate then costs a pass over the unseen items alone (and one over the trained items
/// when the target is unseen itself, which only cold cases and the few validation-only items are).
public struct CalibrationRanker {
    /// The candidates, in the order ``ranks(row:lastItemText:target:history:)`` returns their ranks.
    public let candidates: [ScoreCalibration]
    /// Whether items of the input history leave the ranking, as ``TargetRanker/excludeHistory``.
    public let excludeHistory: Bool
    private let itemCount: Int
    private let neighbours: TextNeighbourScores?
    /// Per item, its index among the unseen items, or −1 for a trained item.
    private let unseenIndex: [Int]
    /// Per distinct `α`, the candidates that use it.
    private let candidatesByWeight: [(weight: Float, candidates: [Int])]
    private var moved: [Float]
    private var neighboured: [Float]
    private var unseenScores: [Float]
    private var excluded: [Int] = []
    private var marks: [UInt32]
    private var epoch: UInt32 = 0
    private var ranks: [Int]

    /// - Parameters:
    ///   - candidates: the calibrations to rank under.
    ///   - itemCount: the width of a score row.
    ///   - excludeHistory: leave the input history out of the ranking.
    ///   - unseen: the unseen items (nil: none; then a candidate's unseen-item terms change nothing).
    public init(candidates: [ScoreCalibration], itemCount: Int, excludeHistory: Bool, unseen: UnseenItems?) {
        self.candidates = candidates
        self.excludeHistory = excludeHistory
        self.itemCount = itemCount
        self.neighbours = unseen?.neighbours
        var unseenIndex = [Int](repeating: -1, count: itemCount)
        for (index, item) in (unseen?.neighbours.unseenItems ?? []).enumerated() { unseenIndex[item] = index }
        self.unseenIndex = unseenIndex
        var byWeight: [(weight: Float, candidates: [Int])] = []
        for (index, candidate) in candidates.enumerated() {
            if let position = byWeight.firstIndex(where: { $0.weight == candidate.lastItemText }) {
                byWeight[position].candidates.append(index)
            } else {
                byWeight.append((candidate.lastItemText, [index]))
            }
        }
        self.candidatesByWeight = byWeight
        let unseenCount = unseen?.neighbours.unseenItems.count ?? 0
        self.moved = [Float](repeating: 0, count: itemCount)
        self.neighboured = [Float](repeating: 0, count: unseenCount)
        self.unseenScores = [Float](repeating: 0, count: unseenCount)
        self.marks = [UInt32](repeating: 0, count: itemCount)
        self.ranks = [Int](repeating: 0, count: candidates.count)
    }

    /// The target's 0-based pessimistic rank under each candidate, in ``candidates``' order.
    /// - Parameters:
    ///   - row: `[itemCount]` the model's scores.
    ///   - lastItemText: `[itemCount]` `⟨t_last, t_i⟩` of the case's last history item.
    ///   - target: the held-out item.
    ///   - history: the user's full input history.
    public mutating func ranks(
        row: UnsafeBufferPointer<Float>, lastItemText: UnsafeBufferPointer<Float>, target: Int32,
        history: ArraySlice<Int32>
    ) -> [Int] {
        precondition(row.count == self.itemCount && lastItemText.count == self.itemCount, "rows must be [itemCount]")
        precondition(target >= 0 && Int(target) < self.itemCount, "target out of range")
        self.collectExcluded(target: Int(target), history: history)
        for (weight, candidates) in self.candidatesByWeight {
            self.shift(row, by: weight, lastItemText: lastItemText)
            if candidates.contains(where: { self.candidates[$0].unseenNeighbours }) { self.scoreNeighbours() }
            let trained = self.unseenIndex[Int(target)] < 0 ? self.trainedCounts(atLeast: self.moved[Int(target)]) : nil
            for candidate in candidates {
                self.scoreUnseen(self.candidates[candidate], lastItemText: lastItemText)
                self.ranks[candidate] = self.rank(target: Int(target), trained: trained)
            }
        }
        return self.ranks
    }

    /// Ranks each of `cases` from its row of `scores` and of `lastItemText` (both `[cases.count, itemCount]`) and
    /// hands `body` the case's offset in `cases` and its ranks (``ranks(row:lastItemText:target:history:)``).
    public mutating func rank(
        _ cases: [EvaluationCase], scores: Tensor, lastItemText: Tensor, _ body: (_ offset: Int, _ ranks: [Int]) -> Void
    ) {
        let itemCount = self.itemCount
        precondition(scores.count == cases.count * itemCount && lastItemText.count == scores.count, "[cases, items]")
        scores.withUnsafeBufferPointer { scores in
            lastItemText.withUnsafeBufferPointer { match in
                for (offset, evaluationCase) in cases.enumerated() {
                    let rows = (offset * itemCount)..<((offset + 1) * itemCount)
                    body(
                        offset,
                        self.ranks(
                            row: UnsafeBufferPointer(rebasing: scores[rows]),
                            lastItemText: UnsafeBufferPointer(rebasing: match[rows]), target: evaluationCase.target,
                            history: evaluationCase.history))
                }
            }
        }
    }

    /// The history items that leave the ranking: distinct, never the target (none without `excludeHistory`).
    private mutating func collectExcluded(target: Int, history: ArraySlice<Int32>) {
        self.excluded.removeAll(keepingCapacity: true)
        guard self.excludeHistory else { return }
        if self.epoch == UInt32.max {
            for index in self.marks.indices { self.marks[index] = 0 }
            self.epoch = 0
        }
        self.epoch += 1
        self.marks[target] = self.epoch
        for item in history where self.marks[Int(item)] != self.epoch {
            self.marks[Int(item)] = self.epoch
            self.excluded.append(Int(item))
        }
    }

    /// `moved = row + α · lastItemText`, as ``ScoreCalibration/apply(_:to:lastItemText:unseen:)`` computes it.
    private mutating func shift(
        _ row: UnsafeBufferPointer<Float>, by weight: Float, lastItemText: UnsafeBufferPointer<Float>
    ) {
        self.moved.withUnsafeMutableBufferPointer { moved in
            if weight == 0 {
                for index in moved.indices { moved[index] = row[index] }
            } else {
                for index in moved.indices { moved[index] = row[index] + lastItemText[index] * weight }
            }
        }
    }

    /// Each unseen item's neighbours' weighted shifted score.
    private mutating func scoreNeighbours() {
        guard let neighbours = self.neighbours else { return }
        self.moved.withUnsafeBufferPointer { moved in
            for index in self.neighboured.indices {
                self.neighboured[index] = neighbours.score(ofUnseen: index, in: moved)
            }
        }
    }

    /// The unseen items' scores under `candidate`.
    private mutating func scoreUnseen(_ candidate: ScoreCalibration, lastItemText: UnsafeBufferPointer<Float>) {
        guard let items = self.neighbours?.unseenItems else { return }
        let boosted = candidate.unseenText != 0 || candidate.unseenOffset != 0
        for (index, item) in items.enumerated() {
            var score = candidate.unseenNeighbours ? self.neighboured[index] : self.moved[item]
            if boosted { score = score + (lastItemText[item] * candidate.unseenText + candidate.unseenOffset) }
            self.unseenScores[index] = score
        }
    }

    /// The trained items scoring at least `score`, over all of them and over the excluded history.
    private func trainedCounts(atLeast score: Float) -> (all: Int, history: Int) {
        var all = 0
        for value in self.moved where value >= score { all += 1 }
        for item in self.neighbours?.unseenItems ?? [] where self.moved[item] >= score { all -= 1 }
        let history = self.excluded.count(where: { self.unseenIndex[$0] < 0 && self.moved[$0] >= score })
        return (all, history)
    }

    /// The rank under the candidate whose unseen scores were just set; `trained` holds the trained items' counts
    /// when the target is trained (they do not depend on the candidate).
    private func rank(target: Int, trained: (all: Int, history: Int)?) -> Int {
        let targetIndex = self.unseenIndex[target]
        let score = targetIndex < 0 ? self.moved[target] : self.unseenScores[targetIndex]
        guard !score.isNaN else { return self.itemCount - 1 }
        let counts = trained ?? self.trainedCounts(atLeast: score)
        let unseen = self.unseenScores.count(where: { $0 >= score })
        let unseenHistory = self.excluded.count(where: { item in
            let index = self.unseenIndex[item]
            return index >= 0 && self.unseenScores[index] >= score
        })
        return counts.all + unseen - 1 - counts.history - unseenHistory
    }
}
