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

    /// The configurations whose COMPLETE trials reported `objective` with more than one distinct seed, best mean
    /// first in the given direction (ties by the lowest trial id).
    public static func summaries(
        of trials: [StudyStatus.TrialLine], objective: String, maximize: Bool
    ) -> [SeedSummary] {
        let complete = trials.filter { $0.state == .complete && $0.metrics[objective] != nil }
        let byParams = Dictionary(grouping: complete, by: \.params)
        let summaries = byParams.compactMap { params, lines -> SeedSummary? in
            let lines = lines.sorted { $0.id < $1.id }
            guard Set(lines.map(\.seed)).count > 1 else { return nil }
            let values = lines.compactMap { $0.metrics[objective] }
            let mean = values.reduce(0, +) / Double(values.count)
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return SeedSummary(
                params: params, trials: lines.map(\.id), seeds: lines.map(\.seed), mean: mean,
                standardDeviation: (squares / Double(values.count - 1)).squareRoot())
        }
        return summaries.sorted { a, b in
            guard a.mean != b.mean else { return a.trials[0] < b.trials[0] }
            return maximize ? a.mean > b.mean : a.mean < b.mean
        }
    }
}
