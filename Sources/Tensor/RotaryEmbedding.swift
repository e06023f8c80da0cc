import Foundation

// MARK: - Rotary position embedding

/// Which elements of a head vector RoPE rotates together.
public enum RoPEConvention: Sendable {
    /// Pairs `(x[2i], x[2i+1])`, as in GGUF / llama.cpp (and Meta's original weights).
    case adjacentPairs
    /// Pairs `(x[i], x[i + d/2])`, as in Hugging Face transformers' `rotate_half`.
    case halfSplit
}

extension Tensor {
    /// Rotates every head of every row by its position: pair `i` of a head turns by `position · base^(−2i/d)`.
    /// - Parameters:
    ///   - x: `[..., rows, heads · headDim]` as produced by a linear layer (e.g. `[batch, length, heads · headDim]`).
    ///   - positions: one position per row of `x` (`x.count / (heads·headDim)` entries), or one per row of a
    ///     single sequence, repeated over the leading batch dimension. Positions may be span-local and may start
    ///     anywhere (≥ 0); rotating already rotated keys by an offset `o` equals rotating them at `position + o`.
    ///   - headDim: the per-head width `d` (even).
    ///   - base: the frequency base θ (10 000 in Llama; SmolLM2 uses 100 000).
    ///   - convention: the pairing of elements.
    /// - Returns: the same shape as `x`.
    public static func rope(
        _ x: Tensor, positions: [Int], headDim: Int, base: Float, convention: RoPEConvention
    ) -> Tensor {
        let width = x.shape.last ?? 0
        precondition(
            headDim > 0 && headDim % 2 == 0 && width % headDim == 0, "rope: width \(width), headDim \(headDim)")
        let rows = x.count / max(width, 1)
        precondition(
            !positions.isEmpty && rows % positions.count == 0, "rope: \(positions.count) positions for \(rows) rows")
        precondition(positions.allSatisfy { $0 >= 0 }, "rope: positions must be non-negative")
        let table = RotationTable(positions: positions, headDim: headDim, base: base)
        let result = Tensor.uninitialized(shape: x.shape)
        let layout = RotationLayout(rows: rows, width: width, headDim: headDim, convention: convention)
        layout.rotate(UnsafePointer(x.pointer), into: result.pointer, table: table, inverse: false, accumulate: false)
        return result.record("rope", inputs: [x]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            layout.rotate(context.outputGradientPointer, into: gradient, table: table, inverse: true, accumulate: true)
        }
    }
}

// MARK: - Tables and kernel

/// cos and sin of every (row position, pair) angle, `[positions.count, headDim/2]` each.
struct RotationTable {
    let cosines: [Float]
    let sines: [Float]
    let pairs: Int

    init(positions: [Int], headDim: Int, base: Float) {
        let pairs = headDim / 2
        var cosines = [Float](repeating: 0, count: positions.count * pairs)
        var sines = cosines
        let frequencies = (0..<pairs).map { Foundation.pow(Double(base), -2 * Double($0) / Double(headDim)) }
        for (row, position) in positions.enumerated() {
            for pair in 0..<pairs {
                let angle = Double(position) * frequencies[pair]
                cosines[row * pairs + pair] = Float(Foundation.cos(angle))
                sines[row * pairs + pair] = Float(Foundation.sin(angle))
            }
        }
        self.cosines = cosines
        self.sines = sines
        self.pairs = pairs
    }
}

/// Where the rotated pairs sit in `[rows, heads · headDim]`.
struct RotationLayout {
    let rows: Int
    let width: Int
    let headDim: Int
    let convention: RoPEConvention

    /// out = R(±θ)·input per pair (inverse rotates backwards, for the gradient); adds into `output` with
    /// `accumulate`.
    func rotate(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, table: RotationTable, inverse: Bool,
        accumulate: Bool
    ) {
        let pairs = table.pairs
        let positionsCount = table.cosines.count / pairs
        let (firstStride, secondOffset) = self.convention == .adjacentPairs ? (2, 1) : (1, pairs)
        let sign: Float = inverse ? -1 : 1
        table.cosines.withUnsafeBufferPointer { cosines in
            table.sines.withUnsafeBufferPointer { sines in
                for row in 0..<self.rows {
                    let angleRow = (row % positionsCount) * pairs
                    for head in 0..<(self.width / self.headDim) {
                        let offset = row * self.width + head * self.headDim
                        let (source, target) = (input + offset, output + offset)
                        for pair in 0..<pairs {
                            let (c, s) = (cosines[angleRow + pair], sign * sines[angleRow + pair])
                            let first = pair * firstStride
                            let second = first + secondOffset
                            let (a, b) = (source[first], source[second])
                            let (rotatedA, rotatedB) = (a * c - b * s, a * s + b * c)
                            if accumulate {
                                target[first] += rotatedA
                                target[second] += rotatedB
                            } else {
                                target[first] = rotatedA
                                target[second] = rotatedB
                            }
                        }
                    }
                }
            }
        }
    }
}
