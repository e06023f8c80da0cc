import Foundation
import Search

/// One configuration's objective over the seeds it completed with (`study.seeds`, `mixrec enqueue --seeds`).
public struct SeedSummary: Equatable, Sendable {
    /// The configuration.
    public var params: Configuration
    /// Its COMPLETE trials with an objective value, by id.
    public var trials: [UInt64]
    /// Their seeds, in the same order.
    public var seeds: [UInt64]
    /// The mean objective over those trials.
    public var mean: Double
    /// The sample standard deviation of the objective (n − 1 in the denominator).
    public var standardDeviation: Double

    /// How many trials the mean is over.
    public var count: Int { self.trials.count }

    /// The mean objective over ``sharedSeeds``: what configurations are ranked by.
    public var sharedMean: Double
    /// The seeds every summarised configuration ran with (all of ``seeds`` when they all ran with the same, or when
    /// they share none): a mean over other seeds would also compare the seeds' luck.
    public var sharedSeeds: [UInt64]

    /// The configurations whose COMPLETE trials reported `objective` with more than one distinct seed, best mean
    /// over the seeds they all share first in the given direction (ties by the lowest trial id). When one of a
    /// configuration's trials was pruned or failed, its other seeds alone would otherwise decide its rank.
    public static func summaries(
        of trials: [StudyStatus.TrialLine], objective: String, maximize: Bool
    ) -> [SeedSummary] {
        let complete = trials.filter { $0.state == .complete && $0.metrics[objective] != nil }
        let byParams = Dictionary(grouping: complete, by: \.params).values.map { $0.sorted { $0.id < $1.id } }
            .filter { Set($0.map(\.seed)).count > 1 }
        let common = byParams.map { Set($0.map(\.seed)) }.reduce(nil) { (shared: Set<UInt64>?, seeds) in
            shared.map { $0.intersection(seeds) } ?? seeds
        }
        let summaries = byParams.map { lines -> SeedSummary in
            let values = lines.compactMap { $0.metrics[objective] }
            let mean = values.reduce(0, +) / Double(values.count)
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let shared = lines.filter { common?.contains($0.seed) == true }
            let sharedLines = shared.isEmpty ? lines : shared
            let sharedValues = sharedLines.compactMap { $0.metrics[objective] }
            return SeedSummary(
                params: lines[0].params, trials: lines.map(\.id), seeds: lines.map(\.seed), mean: mean,
                standardDeviation: (squares / Double(values.count - 1)).squareRoot(),
                sharedMean: sharedValues.reduce(0, +) / Double(sharedValues.count),
                sharedSeeds: sharedLines.map(\.seed))
        }
        return summaries.sorted { a, b in
            guard a.sharedMean != b.sharedMean else { return a.trials[0] < b.trials[0] }
            return maximize ? a.sharedMean > b.sharedMean : a.sharedMean < b.sharedMean
        }
    }
}
