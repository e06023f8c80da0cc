// MARK: - Full ranking

/// Ranks each held-out target among all items, from a buffer of scores.
///
/// The rank is 0-based and pessimistic on ties, as in the peer script: the number of other ranked items whose score
/// is ≥ the target's. With `excludeHistory` (the default, as in S3-Rec and the peer) the items of the user's input
/// history are left out of the ranking, except the target itself when it occurs in the history; without it every
/// item is ranked, as RecBole's sequential evaluation does. A NaN target score gets the worst rank.
public struct TargetRanker: Sendable {
    /// The number of items, the width of a score row.
    public let itemCount: Int
    /// Whether items of the input history leave the ranking.
    public let excludeHistory: Bool
    private var marks: [UInt32]
    private var epoch: UInt32 = 0

    /// - Parameters:
    ///   - itemCount: the number of items (score row width).
    ///   - excludeHistory: leave history items out of the ranking (default true).
    public init(itemCount: Int, excludeHistory: Bool = true) {
        precondition(itemCount > 0, "itemCount must be positive")
        self.itemCount = itemCount
        self.excludeHistory = excludeHistory
        self.marks = [UInt32](repeating: 0, count: itemCount)
    }

    /// The target's 0-based pessimistic rank in one score row.
    /// - Parameters:
    ///   - row: `[itemCount]` scores.
    ///   - target: the held-out item.
    ///   - history: the user's full input history (items to exclude).
    public mutating func rank(row: UnsafeBufferPointer<Float>, target: Int32, history: ArraySlice<Int32>) -> Int {
        precondition(row.count == self.itemCount, "score row must have itemCount entries")
        precondition(target >= 0 && Int(target) < self.itemCount, "target out of range")
        let targetScore = row[Int(target)]
        guard !targetScore.isNaN else { return self.itemCount - 1 }
        var atLeast = 0
        for score in row where score >= targetScore { atLeast += 1 }
        atLeast -= 1
        guard self.excludeHistory else { return atLeast }
        self.nextEpoch()
        self.marks[Int(target)] = self.epoch
        for item in history where self.marks[Int(item)] != self.epoch {
            self.marks[Int(item)] = self.epoch
            if row[Int(item)] >= targetScore { atLeast -= 1 }
        }
        return atLeast
    }

    /// Ranks a batch of cases against a batch of score rows and adds them to an accumulator.
    /// - Parameters:
    ///   - scores: `[cases.count × itemCount]` row-major scores, row r for `cases[r]`.
    ///   - cases: the evaluation cases (targets and histories).
    ///   - accumulator: receives one rank per case.
    public mutating func accumulate(
        scores: UnsafeBufferPointer<Float>, cases: [EvaluationCase], into accumulator: inout RankingMetrics
    ) {
        precondition(scores.count == cases.count * self.itemCount, "scores must be [cases × itemCount]")
        for (row, evaluationCase) in cases.enumerated() {
            let slice = UnsafeBufferPointer(rebasing: scores[(row * self.itemCount)..<((row + 1) * self.itemCount)])
            accumulator.add(rank: self.rank(row: slice, target: evaluationCase.target, history: evaluationCase.history))
        }
    }

    private mutating func nextEpoch() {
        if self.epoch == UInt32.max {
            for index in self.marks.indices { self.marks[index] = 0 }
            self.epoch = 0
        }
        self.epoch += 1
    }
}
