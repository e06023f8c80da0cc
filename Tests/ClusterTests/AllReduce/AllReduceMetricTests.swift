import RecData
import Testing

@testable import Cluster

@Suite("Exact metric combination")
struct AllReduceMetricTests {
    /// Rank r's evaluation cases: target ranks spread over and beyond the largest cutoff, in two groups.
    static func local(rank: Int) -> RankingReport {
        var report = RankingReport(sources: ["model"], protocols: [true], groups: ["all", "odd"])
        for user in 0..<(17 + 5 * rank) {
            report.add(
                rank: (user * 7 + rank * 3) % 31, source: 0, protocolIndex: 0, groups: user % 2 == 1 ? [0, 1] : [0])
        }
        return report
    }

    @Test("a report summed over the ring equals one process merging every rank's cases", arguments: [2, 3])
    func combined(worldSize: Int) throws {
        let results = try RingHarness.run(worldSize: worldSize) { rank, group in
            try Self.local(rank: rank).summed { (counts: inout [Int64]) throws(AllReduceError) in
                try group.sum(&counts)
            }
        }
        var whole = [RankingMetrics](repeating: RankingMetrics(), count: 2)
        for rank in 0..<worldSize {
            for (index, name) in ["all", "odd"].enumerated() {
                let metrics = try #require(
                    Self.local(rank: rank).metrics(source: "model", excludeHistory: true, group: name))
                whole[index].merge(metrics)
            }
        }
        for result in results {
            let combined = try #require(try result.get())
            for (index, name) in ["all", "odd"].enumerated() {
                let metrics = combined.metrics(source: "model", excludeHistory: true, group: name)
                #expect(metrics == whole[index])
                #expect(metrics?.values == whole[index].values)
            }
        }
    }
}
