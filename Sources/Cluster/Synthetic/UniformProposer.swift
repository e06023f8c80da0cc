import Tensor

/// Proposes configurations uniformly at random in a box space, seeded by the study seed and the trial's position,
/// so a restarted coordinator proposes the same sequence. A stand-in for the Bayesian optimizer until the Search
/// module is merged.
public struct UniformProposer: TrialProposer, Sendable {
    public var space: SearchSpaceFile
    public var seed: UInt64

    public init(space: SearchSpaceFile, seed: UInt64) {
        self.space = space
        self.seed = seed
    }

    public mutating func propose(count: Int, observations: [TrialObservation], pending: [TrialParameters])
        -> [TrialParameters]
    {
        let start = observations.count + pending.count
        return (start..<start + count).map { index in
            var random = RandomGenerator(seed: self.seed).split(UInt64(index))
            var values: [String: ParameterValue] = [:]
            for range in self.space.ranges {
                let unit = Double(random.next() >> 11) / Double(1 << 53)
                values[range.name] = .double(range.low + unit * (range.high - range.low))
            }
            return TrialParameters(values)
        }
    }
}
