/// A counter-based generator: 64 random bits as a pure function of a seed and a key of integers, with no state
/// carried between draws. Where a value is drawn (which process, which thread, in which order) cannot change it,
/// so work split differently across processes draws the same randomness as long as it keys its draws the same way
/// (a training step's chunk of a global batch, ``RandomGenerator(seed:key:)`` in `Tensor`).
///
/// Each key part is absorbed with SplitMix64's finaliser (a bijection of 64 bits with full avalanche), so keys that
/// differ in any part, or in the order of their parts, or in their length, give unrelated values.
public struct KeyedRandom: Sendable, Equatable {
    /// The seed every value is keyed under.
    public let seed: UInt64

    /// The generator of `seed`.
    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The 64 random bits of `key`.
    public func bits(_ key: [UInt64]) -> UInt64 {
        var state = SplitMix64.mix(self.seed ^ 0x6A09_E667_F3BC_C908)
        for part in key {
            state = SplitMix64.mix((state &+ 0x9E37_79B9_7F4A_7C15) ^ SplitMix64.mix(part &+ 0xBB67_AE85_84CA_A73B))
        }
        return SplitMix64.mix(state ^ UInt64(key.count))
    }

    /// The 64 random bits of `key`.
    public func bits(_ key: UInt64...) -> UInt64 {
        self.bits(key)
    }
}
