import RecData
import Tensor

/// Ranking reports stored in parameter files (checkpoints, cached warm starts) as their summable counts.
extension RankingReport {
    /// `[counts]`: ``summableCounts`` as Float32, exact for counts below 2²⁴.
    var countsTensor: Tensor {
        let counts = self.summableCounts
        return Tensor(counts.map { Float($0) }, shape: [counts.count])
    }

    /// The report of `sources` under `protocols` over every case group whose counts `tensor` holds; nil when the
    /// numbers do not fit those dimensions.
    init?(counts tensor: Tensor, sources: [ScoreSource], protocols: [Bool]) {
        self.init(
            sources: sources.map(\.rawValue), protocols: protocols, groups: CaseGroups.names,
            summableCounts: tensor.scalars.map { Int($0.rounded()) })
    }
}
