import RecData

// MARK: - Exact metric combination

extension AllReduceGroup {
    /// The group's combined ranking metrics: every rank's histogram of target ranks and case count summed as
    /// `Int64`, so the result equals the metrics of one process that evaluated every rank's users.
    /// - Parameter local: this rank's accumulator (same cutoffs on every rank).
    /// - Throws: `AllReduceError` when a peer is lost.
    public func combined(_ local: RankingMetrics) throws(AllReduceError) -> RankingMetrics {
        var counts = local.rankCounts.map(Int64.init) + [Int64(local.count)]
        try self.sum(&counts)
        var combined = RankingMetrics(cutoffs: local.cutoffs)
        let beyondCutoffs = local.rankCounts.count
        var listed: Int64 = 0
        for (rank, cases) in counts.dropLast().enumerated() {
            for _ in 0..<cases { combined.add(rank: rank) }
            listed += cases
        }
        for _ in 0..<max(0, counts[counts.count - 1] - listed) { combined.add(rank: beyondCutoffs) }
        return combined
    }
}
