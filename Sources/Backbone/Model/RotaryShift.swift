import Foundation
import Tensor

/// Rotates already RoPE-rotated key rows by a further position offset (RoPE is relative: rotating a key made at
/// position `p` by `o` equals making it at `p + o`), and back for gradients.
struct RotaryShift {
    let headDim: Int
    let base: Double
    let convention: RoPEConvention
    private var tables: [Int: [Float]] = [:]

    init(configuration: LlamaConfiguration) {
        self.headDim = configuration.headDim
        self.base = Double(configuration.ropeBase)
        self.convention = configuration.ropeConvention
    }

    /// cos and sin of each pair's angle at `offset`, interleaved `[c0, s0, c1, s1, …]`.
    mutating func table(_ offset: Int) -> [Float] {
        if let table = self.tables[offset] { return table }
        var table = [Float](repeating: 0, count: self.headDim)
        for pair in 0..<(self.headDim / 2) {
            let angle = Double(offset) * Foundation.pow(self.base, -2 * Double(pair) / Double(self.headDim))
            table[2 * pair] = Float(Foundation.cos(angle))
            table[2 * pair + 1] = Float(Foundation.sin(angle))
        }
        self.tables[offset] = table
        return table
    }

    /// `target (+)= R(±offset) · source` for one row of `width` elements (all heads).
    func apply(
        _ table: [Float], source: UnsafePointer<Float>, target: UnsafeMutablePointer<Float>, width: Int,
        inverse: Bool, accumulate: Bool
    ) {
        let pairs = self.headDim / 2
        let (stride, second) = self.convention == .adjacentPairs ? (2, 1) : (1, pairs)
        let sign: Float = inverse ? -1 : 1
        for head in Swift.stride(from: 0, to: width, by: self.headDim) {
            for pair in 0..<pairs {
                let (c, s) = (table[2 * pair], sign * table[2 * pair + 1])
                let i = head + pair * stride
                let j = i + second
                let (a, b) = (source[i], source[j])
                if accumulate {
                    target[i] += a * c - b * s
                    target[j] += a * s + b * c
                } else {
                    target[i] = a * c - b * s
                    target[j] = a * s + b * c
                }
            }
        }
    }
}
