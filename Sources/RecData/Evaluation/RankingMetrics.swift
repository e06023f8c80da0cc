import Foundation

// MARK: - Metric accumulator

/// HR@K and NDCG@K sums over ranked cases, mergeable so data-parallel shards combine exactly.
///
/// RecBole's definitions with one relevant item: HR@K = 1 when the 0-based rank r < K, and NDCG@K = 1 / log2(r + 2)
/// when r < K, both 0 otherwise; metrics are means over cases.
public struct RankingMetrics: Sendable, Equatable, Codable {
    /// The cutoffs K, ascending.
    public let cutoffs: [Int]
    /// Sum of HR@K over the cases, per cutoff.
    public private(set) var hitSums: [Double]
    /// Sum of NDCG@K over the cases, per cutoff.
    public private(set) var ndcgSums: [Double]
    /// The number of cases added.
    public private(set) var count: Int

    /// The cutoffs the project reports.
    public static let standardCutoffs = [5, 10, 20]

    /// An empty accumulator.
    public init(cutoffs: [Int] = RankingMetrics.standardCutoffs) {
        precondition(!cutoffs.isEmpty && cutoffs.allSatisfy { $0 > 0 }, "cutoffs must be positive")
        self.cutoffs = cutoffs.sorted()
        self.hitSums = [Double](repeating: 0, count: cutoffs.count)
        self.ndcgSums = [Double](repeating: 0, count: cutoffs.count)
        self.count = 0
    }

    /// Adds one case by the target's 0-based rank.
    public mutating func add(rank: Int) {
        precondition(rank >= 0, "rank must be non-negative")
        self.count += 1
        guard rank < self.cutoffs[self.cutoffs.count - 1] else { return }
        let gain = 1 / log2(Double(rank) + 2)
        for (index, cutoff) in self.cutoffs.enumerated() where rank < cutoff {
            self.hitSums[index] += 1
            self.ndcgSums[index] += gain
        }
    }

    /// Adds another accumulator's cases (same cutoffs).
    public mutating func merge(_ other: RankingMetrics) {
        precondition(other.cutoffs == self.cutoffs, "cannot merge metrics with different cutoffs")
        self.count += other.count
        for index in self.cutoffs.indices {
            self.hitSums[index] += other.hitSums[index]
            self.ndcgSums[index] += other.ndcgSums[index]
        }
    }

    /// HR@K for a cutoff in `cutoffs` (0 when no case was added).
    public func hitRate(at cutoff: Int) -> Double { self.mean(self.hitSums, cutoff) }

    /// NDCG@K for a cutoff in `cutoffs` (0 when no case was added).
    public func ndcg(at cutoff: Int) -> Double { self.mean(self.ndcgSums, cutoff) }

    /// Every metric by the peer script's names: `hr@5`, `ndcg@5`, `hr@10`, ….
    public var values: [String: Double] {
        var result: [String: Double] = [:]
        for cutoff in self.cutoffs {
            result["hr@\(cutoff)"] = self.hitRate(at: cutoff)
            result["ndcg@\(cutoff)"] = self.ndcg(at: cutoff)
        }
        return result
    }

    private func mean(_ sums: [Double], _ cutoff: Int) -> Double {
        guard let index = self.cutoffs.firstIndex(of: cutoff) else {
            preconditionFailure("cutoff \(cutoff) is not one of \(self.cutoffs)")
        }
        return self.count == 0 ? 0 : sums[index] / Double(self.count)
    }
}
