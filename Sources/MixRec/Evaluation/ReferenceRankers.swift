import Foundation
import RecData
import Tensor

/// Rankers that learn nothing, the baselines of the cold-item evaluation, computed in the same run on the same
/// cases: training popularity, and text nearest neighbours (the cosine between a candidate's frozen text vector
/// and the mean of the history's).
struct ReferenceRankers {
    /// The score sources of ``rank(_:excludeHistory:groups:batchSize:)``, in order.
    enum Source: String, CaseIterable {
        case popularity
        case textNeighbours = "text_knn"
    }

    /// `[1, I]`: the log of one plus each item's number of occurrences in training.
    let popularity: Tensor
    /// `[I, D]` unit-length frozen text vectors.
    let textVectors: Tensor

    init(trainingSequences: [ArraySlice<Int32>], textVectors: Tensor) {
        let itemCount = textVectors.shape[0]
        let counts = PopularityBuckets.occurrences(in: trainingSequences, itemCount: itemCount)
        self.popularity = Tensor(counts.map { Foundation.log1p(Float($0)) }, shape: [1, itemCount])
        self.textVectors = textVectors
    }

    /// Full-ranking metrics of both baselines on `cases`.
    func rank(_ cases: [EvaluationCase], excludeHistory: [Bool], groups: CaseGroups, batchSize: Int) -> RankingReport {
        let itemCount = self.textVectors.shape[0]
        return rankCases(
            cases, itemCount: itemCount, sources: Source.allCases.map(\.rawValue), excludeHistory: excludeHistory,
            groups: groups, batchSize: batchSize
        ) { batch in
            [
                self.popularity.gather(rows: [Int](repeating: 0, count: batch.count)),
                Tensor.matmul(self.historyMeans(batch), self.textVectors, transposeB: true),
            ]
        }
    }

    /// `[B, D]`: the mean text vector of each case's history (every ranked candidate is scored by its dot product
    /// with it, which orders candidates as the cosine does).
    private func historyMeans(_ cases: [EvaluationCase]) -> Tensor {
        self.textVectors.meanRows(of: cases.map(\.history))
    }
}

extension Tensor {
    /// `[B, D]`: for each of `groups` (row indices of this `[I, D]` table), the mean of its rows; an empty group
    /// gives a zero row. No gradients.
    public func meanRows(of groups: [ArraySlice<Int32>]) -> Tensor {
        let width = self.shape[1]
        var means = [Float](repeating: 0, count: groups.count * width)
        self.withUnsafeBufferPointer { rows in
            for (index, group) in groups.enumerated() {
                let scale = 1 / Float(max(group.count, 1))
                for row in group {
                    let offset = Int(row) * width
                    for column in 0..<width { means[index * width + column] += scale * rows[offset + column] }
                }
            }
        }
        return Tensor(means, shape: [groups.count, width])
    }
}
