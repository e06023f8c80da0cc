/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast, seedable generator whose streams are fixed by this
/// code, not by the standard library's algorithms (which may change between Swift versions). The one generator
/// behind every seeded stream of the project: the optimiser's proposals (`Search`), parameter initialisation and
/// dropout (`Tensor`'s `RandomGenerator`) and data order (`RecData`'s `SeededRandom`) wrap or extend it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state: the next output is a mix of `state + γ`.
    public private(set) var state: UInt64

    /// A generator starting at `seed`; equal seeds give equal streams.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(self.state)
    }

    /// The seed of sub-stream `stream` of `seed` (one per epoch, say): the first output of a generator seeded with
    /// `seed` mixed with the stream number, so the sub-streams of a seed are unrelated.
    public static func seed(ofStream stream: UInt64, under seed: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    /// SplitMix64's output function (Stafford's variant 13): a bijection of 64 bits with full avalanche.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(self.next() >> 11) * 0x1.0p-53
    }
}
