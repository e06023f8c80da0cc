import Foundation
import Randomness

// MARK: - Random generator

/// A seeded, deterministic random generator (``SplitMix64``) with uniform and normal sampling.
///
/// The same seed gives the same sequence on every machine and run; use one generator per consumer (e.g.
/// `RandomGenerator(seed: base).split(stream)`) to keep streams independent of call order elsewhere.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var bits: SplitMix64
    private var spareNormal: Float?

    /// A generator whose sequence depends only on `seed`.
    public init(seed: UInt64) {
        self.bits = SplitMix64(seed: seed)
        self.spareNormal = nil
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        self.bits.next()
    }

    /// A uniform value in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(self.next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal value (Box–Muller; the second value of each pair is kept for the next call).
    public mutating func nextNormal() -> Float {
        if let spare = self.spareNormal {
            self.spareNormal = nil
            return spare
        }
        let u1 = (Double(self.next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)
        let u2 = Double(self.next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        self.spareNormal = Float(radius * Foundation.sin(angle))
        return Float(radius * Foundation.cos(angle))
    }

    /// An independent generator for sub-stream `stream`, derived from this generator's seed state.
    public func split(_ stream: UInt64) -> RandomGenerator {
        RandomGenerator(seed: SplitMix64.seed(ofStream: stream, under: self.bits.state))
    }
}

extension RandomGenerator {
    /// The generator of `key` under `seed` (``KeyedRandom``): a stream that depends only on the seed and the key, so
    /// any process that draws for the same key draws the same values.
    public init(seed: UInt64, key: [UInt64]) {
        self.init(seed: KeyedRandom(seed: seed).bits(key))
    }
}
