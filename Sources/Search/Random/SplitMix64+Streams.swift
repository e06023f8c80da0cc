import Foundation
@_exported import Randomness

/// The optimiser's streams: derived from a seed and a list of integers, so no state is shared between proposals.
extension SplitMix64 {
    /// A generator whose stream is a hash of `seed` and `stream` (e.g. the observation count and a purpose tag).
    public init(seed: UInt64, stream: [UInt64]) {
        var mixer = SplitMix64(seed: seed)
        var state = mixer.next()
        for value in stream {
            var step = SplitMix64(seed: state ^ (value &* 0x9E37_79B9_7F4A_7C15))
            state = step.next()
            state ^= mixer.next()
        }
        self.init(seed: state)
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
