// MARK: - Dropout

extension Tensor {
    /// Inverted dropout: zeroes each element with probability `rate` and scales the survivors by `1/(1 − rate)`,
    /// so the expected value is unchanged. Returns `self` when `rate` is 0 (evaluation).
    /// - Parameters:
    ///   - rate: the drop probability, `0..<1`.
    ///   - generator: the seeded source of the mask; the same state gives the same mask.
    /// - Returns: a tensor of the same shape.
    public func dropout(rate: Float, generator: inout RandomGenerator) -> Tensor {
        precondition(rate >= 0 && rate < 1, "dropout: rate \(rate) outside 0..<1")
        guard rate > 0 else { return self }
        return self * Tensor.dropoutScales(shape: self.shape, rate: rate, generator: &generator)
    }

    /// A constant tensor of inverted-dropout factors: each element is 0 with probability `rate`, else `1/(1 − rate)`.
    static func dropoutScales(shape: [Int], rate: Float, generator: inout RandomGenerator) -> Tensor {
        let keep = 1 / (1 - rate)
        let scales = Tensor.uninitialized(shape: shape)
        for index in 0..<scales.count {
            scales.pointer[index] = generator.nextUniform() < rate ? 0 : keep
        }
        return scales
    }
}

/// Inverted dropout on attention probabilities (as in SASRec and PyTorch's `MultiheadAttention`): each
/// probability is zeroed with probability `rate` and the survivors are scaled by `1/(1 − rate)`, after the softmax.
public struct AttentionDropout: Sendable {
    /// The drop probability, `0..<1`.
    public let rate: Float
    /// The seed of the call's masks.
    let seed: UInt64

    /// No dropout (evaluation, and every frozen-backbone pass).
    public static let none = AttentionDropout(rate: 0, seed: 0)

    private init(rate: Float, seed: UInt64) {
        self.rate = rate
        self.seed = seed
    }

    /// Dropout at `rate`, with masks drawn from one value of `generator` (so the same state gives the same masks).
    public init(rate: Float, generator: inout RandomGenerator) {
        precondition(rate >= 0 && rate < 1, "attention dropout: rate \(rate) outside 0..<1")
        self.init(rate: rate, seed: generator.next())
    }

    /// The factors for `count` probabilities, or `nil` without dropout.
    func scales(count: Int) -> Tensor? {
        guard self.rate > 0 else { return nil }
        var generator = RandomGenerator(seed: self.seed)
        return Tensor.dropoutScales(shape: [count], rate: self.rate, generator: &generator)
    }
}
