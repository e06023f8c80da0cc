import Foundation

// MARK: - Metric accumulator

/// HR@K and NDCG@K over ranked cases, kept as a histogram of the ranks below the largest cutoff, so that merging the
/// accumulators of data-parallel shards is integer addition and gives exactly the whole's metrics.
///
/// RecBole's definitions with one relevant item: HR@K = 1 when the 0-based rank r < K, and NDCG@K = 1 / log2(r + 2)
/// when r < K, both 0 otherwise; metrics are means over cases.
public struct RankingMetrics: Sendable, Equatable, Codable {
    /// The cutoffs K, ascending.
    public let cutoffs: [Int]
    /// `rankCounts[r]`: cases whose target had rank r, for r below the largest cutoff.
    public private(set) var rankCounts: [Int]
    /// The number of cases added.
    public private(set) var count: Int

    /// The cutoffs the project reports.
    public static let standardCutoffs = [5, 10, 20]

    /// An empty accumulator.
    public init(cutoffs: [Int] = RankingMetrics.standardCutoffs) {
        precondition(!cutoffs.isEmpty && cutoffs.allSatisfy { $0 > 0 }, "cutoffs must be positive")
        self.cutoffs = Array(Set(cutoffs)).sorted()
        self.rankCounts = [Int](repeating: 0, count: self.cutoffs[self.cutoffs.count - 1])
        self.count = 0
    }

    /// Adds one case by the target's 0-based rank.
    public mutating func add(rank: Int) {
        precondition(rank >= 0, "rank must be non-negative")
        self.count += 1
        if rank < self.rankCounts.count { self.rankCounts[rank] += 1 }
    }

    /// Adds another accumulator's cases (same cutoffs).
    public mutating func merge(_ other: RankingMetrics) {
        precondition(other.cutoffs == self.cutoffs, "cannot merge metrics with different cutoffs")
        self.count += other.count
        for rank in self.rankCounts.indices { self.rankCounts[rank] += other.rankCounts[rank] }
    }

    /// The accumulator as numbers that add element-wise across shards: `[count] + rankCounts` (e.g. for an
    /// all-reduce of data-parallel evaluation).
    public var summableCounts: [Int] {
        [self.count] + self.rankCounts
    }

    /// An accumulator with `cutoffs` from ``summableCounts`` (of one shard or summed over shards); nil when the
    /// numbers are inconsistent.
    public init?(cutoffs: [Int] = RankingMetrics.standardCutoffs, summableCounts: [Int]) {
        self.init(cutoffs: cutoffs)
        guard summableCounts.count == self.rankCounts.count + 1, let count = summableCounts.first,
            summableCounts.allSatisfy({ $0 >= 0 }), count >= summableCounts.dropFirst().reduce(0, +)
        else { return nil }
        self.count = count
        self.rankCounts = Array(summableCounts.dropFirst())
    }

    /// HR@K for a cutoff in `cutoffs` (0 when no case was added).
    public func hitRate(at cutoff: Int) -> Double {
        self.mean(cutoff) { _ in 1 }
    }

    /// NDCG@K for a cutoff in `cutoffs` (0 when no case was added).
    public func ndcg(at cutoff: Int) -> Double {
        self.mean(cutoff) { rank in 1 / log2(Double(rank) + 2) }
    }

    /// Every metric by the peer script's names: `hr@5`, `ndcg@5`, `hr@10`, ….
    public var values: [String: Double] {
        var result: [String: Double] = [:]
        for cutoff in self.cutoffs {
            result["hr@\(cutoff)"] = self.hitRate(at: cutoff)
            result["ndcg@\(cutoff)"] = self.ndcg(at: cutoff)
        }
        return result
    }

    private func mean(_ cutoff: Int, gain: (Int) -> Double) -> Double {
        precondition(self.cutoffs.contains(cutoff), "cutoff \(cutoff) is not one of \(self.cutoffs)")
        guard self.count > 0 else { return 0 }
        var sum = 0.0
        for rank in 0..<cutoff { sum += Double(self.rankCounts[rank]) * gain(rank) }
        return sum / Double(self.count)
    }
}

// MARK: - Decoding

extension RankingMetrics {
    private enum CodingKeys: String, CodingKey {
        case cutoffs, rankCounts, count
    }

    /// Decodes and validates an accumulator (e.g. one a worker sent): ascending positive cutoffs, one rank count per
    /// rank below the largest cutoff, and non-negative counts that do not exceed `count`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let cutoffs = try container.decode([Int].self, forKey: .cutoffs)
        let rankCounts = try container.decode([Int].self, forKey: .rankCounts)
        let count = try container.decode(Int.self, forKey: .count)
        let valid =
            !cutoffs.isEmpty && cutoffs.allSatisfy { $0 > 0 } && cutoffs == Array(Set(cutoffs)).sorted()
            && rankCounts.count == cutoffs[cutoffs.count - 1] && rankCounts.allSatisfy { $0 >= 0 }
            && count >= rankCounts.reduce(0, +)
        guard valid else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "inconsistent ranking metrics: cutoffs \(cutoffs), \(rankCounts.count) rank "
                        + "counts, count \(count)"))
        }
        self.cutoffs = cutoffs
        self.rankCounts = rankCounts
        self.count = count
    }
}
