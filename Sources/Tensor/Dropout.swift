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
        let keep = 1 / (1 - rate)
        let mask = Tensor.uninitialized(shape: self.shape)
        for index in 0..<self.count {
            mask.pointer[index] = generator.nextUniform() < rate ? 0 : keep
        }
        return self * mask
    }
}
