import Foundation

/// A small, fast, seedable generator (SplitMix64). Streams for different purposes are derived from a seed and a
/// list of integers, so no state is shared between proposals.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting at `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// A generator whose stream is a hash of `seed` and `stream` (e.g. the observation count and a purpose tag).
    public init(seed: UInt64, stream: [UInt64]) {
        var mixer = SplitMix64(seed: seed)
        var state = mixer.next()
        for value in stream {
            var step = SplitMix64(seed: state ^ (value &* 0x9E37_79B9_7F4A_7C15))
            state = step.next()
            state ^= mixer.next()
        }
        self.state = state
    }

    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(self.next() >> 11) * 0x1.0p-53
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Double {
        let u1 = max(self.nextUnit(), 0x1.0p-60)
        let u2 = self.nextUnit()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0..<bound` (`bound > 0`).
    public mutating func nextIndex(below bound: Int) -> Int {
        Int(self.next(upperBound: UInt64(bound)))
    }
}
