import RecData
import Tensor

/// The groups an evaluation reports its cases in: `warm` (targets training sees: every case without cold items),
/// split by the target's training popularity into `head` and `tail`, and `cold` (targets held out of training,
/// with `eval.cold_items`).
struct CaseGroups {
    /// The group names, in index order.
    static let names = ["warm"] + PopularityBuckets.names + ["cold"]
    let popularity: PopularityBuckets
    let coldItems: ColdItems?

    /// The indices in ``names`` of the groups `evaluationCase` belongs to.
    func groups(of evaluationCase: EvaluationCase) -> [Int] {
        if self.coldItems?.contains(evaluationCase.target) == true { return [Self.names.count - 1] }
        return [0, 1 + self.popularity.bucket(of: evaluationCase.target)]
    }
}

/// Full-ranking metrics of `cases`, scored `batchSize` cases at a time without gradients, per score source.
/// - Parameters:
///   - cases: the validation or test cases.
///   - itemCount: the number of items, the width of a score row.
///   - sources: the names of the score sources `scores` returns, in order.
///   - excludeHistory: one entry per protocol: true leaves the history out of the ranking.
///   - groups: the groups cases are reported in.
///   - batchSize: cases per call of `scores`.
///   - progress: called with the number of cases done after every batch.
///   - scores: per source, `[batch.count, itemCount]` scores of a batch of cases.
func rankCases(
    _ cases: [EvaluationCase], itemCount: Int, sources: [String], excludeHistory: [Bool], groups: CaseGroups,
    batchSize: Int, progress: ((Int) -> Void)? = nil, scores: ([EvaluationCase]) -> [Tensor]
) -> RankingReport {
    var rankers = excludeHistory.map { TargetRanker(itemCount: itemCount, excludeHistory: $0) }
    return rankCaseBatches(
        cases, sources: sources, excludeHistory: excludeHistory, groups: groups, batchSize: batchSize,
        progress: progress
    ) { batch, add in
        let rows = scores(batch)
        precondition(rows.count == sources.count, "one score matrix per source")
        for (source, matrix) in rows.enumerated() {
            matrix.withUnsafeBufferPointer { buffer in
                precondition(buffer.count == batch.count * itemCount, "scores must be [cases × itemCount]")
                for (offset, evaluationCase) in batch.enumerated() {
                    let row = UnsafeBufferPointer(rebasing: buffer[(offset * itemCount)..<((offset + 1) * itemCount)])
                    for protocolIndex in rankers.indices {
                        let rank = rankers[protocolIndex].rank(
                            row: row, target: evaluationCase.target, history: evaluationCase.history)
                        add(offset, source, protocolIndex, rank)
                    }
                }
            }
        }
    }
}

/// The report of `cases` ranked `batchSize` at a time without gradients: `rank` gets each batch and reports every
/// rank it computes as (case offset in the batch, source index, protocol index, rank).
func rankCaseBatches(
    _ cases: [EvaluationCase], sources: [String], excludeHistory: [Bool], groups: CaseGroups, batchSize: Int,
    progress: ((Int) -> Void)?,
    rank: ([EvaluationCase], _ add: (_ offset: Int, _ source: Int, _ protocolIndex: Int, _ rank: Int) -> Void) -> Void
) -> RankingReport {
    var report = RankingReport(sources: sources, protocols: excludeHistory, groups: CaseGroups.names)
    let caseGroups = cases.map(groups.groups(of:))
    withoutGradients {
        for start in stride(from: 0, to: cases.count, by: batchSize) {
            let end = min(cases.count, start + batchSize)
            rank(Array(cases[start..<end])) { offset, source, protocolIndex, rank in
                report.add(rank: rank, source: source, protocolIndex: protocolIndex, groups: caseGroups[start + offset])
            }
            progress?(end)
        }
    }
    return report
}
