import RecData
import Testing

@testable import Cluster

@Suite("Exact metric combination")
struct AllReduceMetricTests {
    /// Rank r's evaluation cases: target ranks spread over and beyond the largest cutoff.
    static func local(rank: Int) -> RankingMetrics {
        var metrics = RankingMetrics()
        for user in 0..<(17 + 5 * rank) {
            metrics.add(rank: (user * 7 + rank * 3) % 31)
        }
        return metrics
    }

    @Test("combined metrics equal one process merging every rank's cases", arguments: [2, 3])
    func combined(worldSize: Int) throws {
        let results = try RingHarness.run(worldSize: worldSize) { rank, group in
            try group.combined(Self.local(rank: rank))
        }
        var whole = RankingMetrics()
        for rank in 0..<worldSize { whole.merge(Self.local(rank: rank)) }
        for result in results {
            let combined = try result.get()
            #expect(combined == whole)
            #expect(combined.values == whole.values)
        }
    }
}
