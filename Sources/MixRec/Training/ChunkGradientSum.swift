/// The exact sum of the gradients of a global batch's chunks (`train.batch_chunks`), however the chunks are spread
/// over a data-parallel group.
///
/// Float addition is not associative: one process adding six chunks' gradients and a group of three adding two
/// each, then summing over a ring, round differently, and Adam turns last-bit differences of near-zero gradients into
/// parameter differences that grow. Here every chunk's gradient is turned into integers of one fixed scale per
/// parameter tensor (the largest magnitude of any chunk of the step, shared through an exact integer all-reduce,
/// sets it with 62 − ⌈log₂ chunks⌉ bits of headroom), and integers add associatively: every grouping of the chunks
/// gives the same bits. The rounding to the scale is below 2⁻⁶⁰ of the tensor's largest element, far below Float's
/// own precision.
struct ChunkGradientSum {
    /// Elements per parameter tensor, in the trainer's order.
    let sizes: [Int]
    /// Chunks of the global batch.
    let chunkCount: Int
    /// This process's chunks: index and flat gradient (every tensor, concatenated).
    private(set) var chunks: [(index: Int, values: [Float])] = []

    init(sizes: [Int], chunkCount: Int) {
        precondition(chunkCount >= 1, "at least one chunk")
        self.sizes = sizes
        self.chunkCount = chunkCount
    }

    /// The offset value of ``exponentSlots()`` (exponents of Float magnitudes are above −150).
    private static let exponentBias = 256

    /// Adds chunk `index`'s flat gradient; false when it holds a non-finite value.
    mutating func add(chunk index: Int, gradient: [Float]) -> Bool {
        precondition(gradient.count == self.sizes.reduce(0, +), "gradient size")
        guard gradient.allSatisfy(\.isFinite) else { return false }
        self.chunks.append((index, gradient))
        return true
    }

    /// `[chunkCount × tensors]`: for each chunk this process holds and each tensor, the exponent e with every
    /// magnitude below 2^e, biased to be positive; 0 for all-zero tensors and for chunks of other processes. Summed
    /// over the group (each chunk belongs to one process), it lists every chunk's exponents.
    func exponentSlots() -> [Int64] {
        var slots = [Int64](repeating: 0, count: self.chunkCount * self.sizes.count)
        for (index, values) in self.chunks {
            var offset = 0
            for (tensor, size) in self.sizes.enumerated() {
                let largest = values[offset..<(offset + size)].reduce(Float(0)) { max($0, abs($1)) }
                if largest > 0 {
                    slots[index * self.sizes.count + tensor] = Int64(Int(largest.exponent) + 1 + Self.exponentBias)
                }
                offset += size
            }
        }
        return slots
    }

    /// Per tensor, the power of two its values are multiplied by before rounding to integers, from the group's
    /// summed ``exponentSlots()``: the sum of `chunkCount` values below 2^e each stays below 2⁶².
    func shifts(summedSlots slots: [Int64]) -> [Int] {
        let headroom = self.chunkCount <= 1 ? 0 : Int.bitWidth - (self.chunkCount - 1).leadingZeroBitCount
        return self.sizes.indices.map { tensor in
            let largest = (0..<self.chunkCount).map { slots[$0 * self.sizes.count + tensor] }.max() ?? 0
            return largest == 0 ? 0 : 62 - headroom - (Int(largest) - Self.exponentBias)
        }
    }

    /// The fixed-point sum of this process's chunks at `shifts`.
    func fixedPointSum(shifts: [Int]) -> [Int64] {
        var sums = [Int64](repeating: 0, count: self.sizes.reduce(0, +))
        sums.withUnsafeMutableBufferPointer { sums in
            for (_, values) in self.chunks {
                values.withUnsafeBufferPointer { values in
                    var offset = 0
                    for (size, shift) in zip(self.sizes, shifts) {
                        let factor = Double(sign: .plus, exponent: shift, significand: 1)
                        for element in offset..<(offset + size) {
                            sums[element] &+= Int64((Double(values[element]) * factor).rounded(.toNearestOrEven))
                        }
                        offset += size
                    }
                }
            }
        }
        return sums
    }

    /// The Float values of fixed-point `sums` at `shifts`.
    func values(of sums: [Int64], shifts: [Int]) -> [Float] {
        var values = [Float](repeating: 0, count: sums.count)
        values.withUnsafeMutableBufferPointer { values in
            var offset = 0
            for (size, shift) in zip(self.sizes, shifts) {
                let factor = Double(sign: .plus, exponent: -shift, significand: 1)
                for element in offset..<(offset + size) {
                    values[element] = Float(Double(sums[element]) * factor)
                }
                offset += size
            }
        }
        return values
    }
}
