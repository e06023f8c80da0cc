/// How a study seeds its trials and which configurations it runs again with more seeds (common random numbers).
public struct TrialSeeding: Sendable, Equatable {
    /// Which seed a budget trial (proposed or enqueued) trains with.
    public enum Mode: String, Sendable, CaseIterable {
        /// Every trial uses the study's seed, so two trials differ only in their parameters.
        case shared
        /// Trial `n` uses `base + n` (the behaviour before `study.trial_seeds`).
        case perTrial = "per_trial"
    }

    /// The most seeds a configuration may be run with (`study.seeds`, `mixrec enqueue --seeds`).
    public static let maxSeeds = 100

    /// The study's seed (`study.seed`).
    public var base: UInt64 = 0
    /// `study.trial_seeds`.
    public var mode = Mode.shared
    /// `study.seeds`: the seeds each of the best configurations ends up trained with (1: no replicates).
    public var seedsPerConfiguration = 1
    /// `study.reseed_best`: how many of the best COMPLETE configurations get replicates at the end.
    public var reseedBest = 3

    /// The default: shared seed 0, no replicates.
    public init() {}

    /// True when the counts are in range.
    public var isValid: Bool { (1...Self.maxSeeds).contains(self.seedsPerConfiguration) && self.reseedBest >= 0 }

    /// The seed of a budget trial.
    public func seed(of trial: TrialID) -> UInt64 {
        switch self.mode {
        case .shared: self.base
        case .perTrial: self.base &+ trial.rawValue
        }
    }

    /// Seeds for `count` replicates of a configuration already run with the seeds `taken`: the first `count` of
    /// `base + 1`, `base + 2`, … that are not taken.
    public func replicateSeeds(_ count: Int, besides taken: Set<UInt64>) -> [UInt64] {
        var seeds: [UInt64] = []
        var offset: UInt64 = 1
        while seeds.count < count {
            let seed = self.base &+ offset
            if !taken.contains(seed) { seeds.append(seed) }
            offset += 1
        }
        return seeds
    }
}
