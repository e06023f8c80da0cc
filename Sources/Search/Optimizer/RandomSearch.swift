/// Uniform random search (log parameters uniform in log space), the baseline of the search benchmark. Like the
/// Bayesian optimizer it is a pure function of the seed and the number of trials so far.
public struct RandomSearch: Sendable {
    public let space: SearchSpace

    public init(space: SearchSpace) {
        self.space = space
    }

    /// `count` independent uniform configurations for trial numbers `trialIndex ..< trialIndex + count`.
    public func propose(count: Int, seed: UInt64, trialIndex: Int) -> [Configuration] {
        (0..<count).map { offset in
            var generator = SplitMix64(seed: seed, stream: [0x5A4D_0000, UInt64(trialIndex + offset)])
            return self.space.configuration(of: self.space.randomPoint(using: &generator))
        }
    }
}
