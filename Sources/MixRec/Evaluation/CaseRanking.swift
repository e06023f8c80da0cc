import RecData
import Tensor

/// Full-ranking metrics of `cases`, scored `batchSize` cases at a time without gradients.
/// - Parameters:
///   - cases: the validation or test cases.
///   - itemCount: the number of items, the width of a score row.
///   - excludeHistory: one entry per protocol: true leaves the input history out of the ranking.
///   - batchSize: cases per call of `scores`.
///   - progress: called with the number of cases done after every batch.
///   - scores: `[batch.count, itemCount]` scores of a batch of cases.
/// - Returns: one accumulator per protocol.
func rankCases(
    _ cases: [EvaluationCase], itemCount: Int, excludeHistory: [Bool], batchSize: Int,
    progress: ((Int) -> Void)? = nil, scores: ([EvaluationCase]) -> Tensor
) -> [RankingMetrics] {
    var rankers = excludeHistory.map { TargetRanker(itemCount: itemCount, excludeHistory: $0) }
    var metrics = excludeHistory.map { _ in RankingMetrics() }
    withoutGradients {
        for start in stride(from: 0, to: cases.count, by: batchSize) {
            let batch = Array(cases[start..<min(cases.count, start + batchSize)])
            scores(batch).withUnsafeBufferPointer { buffer in
                for index in rankers.indices {
                    rankers[index].accumulate(scores: buffer, cases: batch, into: &metrics[index])
                }
            }
            progress?(start + batch.count)
        }
    }
    return metrics
}
