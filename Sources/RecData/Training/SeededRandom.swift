import Randomness

// MARK: - Seeded random numbers

/// The data's seeded streams (``SplitMix64``), with the samplers data order needs: unbiased bounded integers and
/// Fisher–Yates shuffles, fixed by this code rather than by the standard library's algorithms.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var bits: SplitMix64

    /// A generator seeded with `seed`; equal seeds give equal streams.
    public init(seed: UInt64) {
        self.bits = SplitMix64(seed: seed)
    }

    /// A generator for one of several independent streams derived from the same seed (e.g. one per epoch), as
    /// `Tensor`'s `RandomGenerator.split` derives them (``SplitMix64/seed(ofStream:under:)``).
    public init(seed: UInt64, stream: UInt64) {
        self.bits = SplitMix64(seed: SplitMix64.seed(ofStream: stream, under: seed))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        self.bits.next()
    }

    /// A uniform integer in `0..<bound` (bound > 0), without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let limit = UInt64(bound)
        let threshold = (0 &- limit) % limit
        while true {
            let value = self.next()
            let product = value.multipliedFullWidth(by: limit)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    /// A uniform Double in [0, 1).
    public mutating func nextUnit() -> Double { self.bits.nextUnit() }

    /// Shuffles the array in place (Fisher–Yates).
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        guard array.count > 1 else { return }
        for index in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(index, self.nextInt(below: index + 1))
        }
    }

    /// An index drawn with probability proportional to `weights` (non-negative, positive sum).
    public mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "weights must have a positive sum")
        var remaining = self.nextUnit() * total
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }
}
