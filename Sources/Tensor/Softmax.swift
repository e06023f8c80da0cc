import Foundation

// MARK: - Row kernel

/// Masked softmax of one score row, shared by `softmax`, `logSoftmax` and `attention`.
enum MaskedSoftmax {
    /// Normalises `row` in place over the keys `rowIndex` may see in `ranges` (the block's computed ranges):
    /// adds `additive` first, exponentiates and normalises the allowed keys, and zeroes computed keys beyond the
    /// causal cut. A row with no allowed key (or only −∞ scores) becomes all zeros.
    /// - Returns: the row's maximum and log of the sum of exponentials, `(-infinity, -infinity)` when empty.
    @inline(__always)
    static func normalize(
        _ row: UnsafeMutablePointer<Float>, block: ScoreBlock, ranges: [Range<Int>], rowIndex: Int,
        additive: UnsafePointer<Float>?
    ) -> (maximum: Float, logSum: Float) {
        var maximum = -Float.infinity
        for range in ranges {
            let end = block.end(of: range, row: rowIndex)
            if let additive {
                for key in range.lowerBound..<end {
                    row[key] += additive[key]
                }
            }
            maximum = max(maximum, VectorMath.maximum(row + range.lowerBound, count: end - range.lowerBound))
        }
        guard maximum > -.infinity else {
            for range in ranges {
                (row + range.lowerBound).update(repeating: 0, count: range.count)
            }
            return (-.infinity, -.infinity)
        }
        var total: Float = 0
        for range in ranges {
            let start = row + range.lowerBound
            let end = block.end(of: range, row: rowIndex)
            total += VectorMath.expShifted(start, start, count: end - range.lowerBound, shift: maximum)
        }
        let inverse = 1 / total
        for range in ranges {
            let end = block.end(of: range, row: rowIndex)
            for key in range.lowerBound..<end {
                row[key] *= inverse
            }
            (row + end).update(repeating: 0, count: range.upperBound - end)
        }
        return (maximum, Foundation.log(total))
    }
}

// MARK: - Softmax ops

extension Tensor {
    /// Softmax over the last dimension, under `mask`. Masked entries are 0; fully masked rows are all 0 (no NaN).
    /// - Parameters:
    ///   - x: `[..., queries, keys]`; for per-batch masks the first dimension is the batch.
    ///   - mask: which keys each query row may see.
    public static func softmax(_ x: Tensor, mask: AttentionMask = .none) -> Tensor {
        Tensor.maskedSoftmax(x, mask: mask, logarithm: false)
    }

    /// Log-softmax over the last dimension, under `mask`. Masked entries are 0 (not −∞, so sums stay finite);
    /// fully masked rows are all 0.
    public static func logSoftmax(_ x: Tensor, mask: AttentionMask = .none) -> Tensor {
        Tensor.maskedSoftmax(x, mask: mask, logarithm: true)
    }

    private static func maskedSoftmax(_ x: Tensor, mask: AttentionMask, logarithm: Bool) -> Tensor {
        let keys = x.shape.last ?? 1
        let queries = x.rank >= 2 ? x.shape[x.rank - 2] : 1
        let matrices = x.count / max(queries * keys, 1)
        let batch = x.rank >= 3 ? x.shape[0] : 1
        let matricesPerBatch = matrices / batch
        let result = Tensor.zeros(x.shape)
        let (source, destination) = (UnsafePointer(x.pointer), result.pointer)
        var plans: [[ScoreBlock]] = []
        for entry in 0..<batch {
            plans.append(mask.blocks(batch: entry, queries: queries, keys: keys))
        }
        for matrix in 0..<matrices {
            let entry = matrix / matricesPerBatch
            let additive = mask.additiveValues(batch: entry, queries: queries, keys: keys)
            for block in plans[entry] {
                let ranges = block.computedRanges
                for rowIndex in block.rows {
                    let offset = (matrix * queries + rowIndex) * keys
                    let row = destination + offset
                    for range in ranges {
                        (row + range.lowerBound).update(from: source + offset + range.lowerBound, count: range.count)
                    }
                    let stats = MaskedSoftmax.normalize(
                        row, block: block, ranges: ranges, rowIndex: rowIndex,
                        additive: additive.map { $0 + rowIndex * keys })
                    guard logarithm, stats.maximum > -.infinity else { continue }
                    for range in ranges {
                        for key in range.lowerBound..<block.end(of: range, row: rowIndex) {
                            let shift = additive?[rowIndex * keys + key] ?? 0
                            row[key] =
                                shift == -.infinity ? 0 : source[offset + key] + shift - stats.maximum - stats.logSum
                        }
                    }
                }
            }
        }
        return result.record(logarithm ? "logSoftmax" : "softmax", inputs: [x]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            let (outputGradient, output) = (context.outputGradientPointer, UnsafePointer(context.output.pointer))
            for matrix in 0..<matrices {
                let additive = mask.additiveValues(batch: matrix / matricesPerBatch, queries: queries, keys: keys)
                for block in plans[matrix / matricesPerBatch] {
                    let ranges = block.computedRanges
                    for rowIndex in block.rows {
                        let offset = (matrix * queries + rowIndex) * keys
                        let (y, g, target) = (output + offset, outputGradient + offset, gradient + offset)
                        let masked = additive.map { $0 + rowIndex * keys }
                        var total: Float = 0
                        for range in ranges {
                            for key in range.lowerBound..<block.end(of: range, row: rowIndex)
                            where masked?[key] != -.infinity {
                                total += logarithm ? g[key] : g[key] * y[key]
                            }
                        }
                        for range in ranges {
                            for key in range.lowerBound..<block.end(of: range, row: rowIndex)
                            where masked?[key] != -.infinity {
                                target[key] +=
                                    logarithm ? g[key] - Foundation.exp(y[key]) * total : y[key] * (g[key] - total)
                            }
                        }
                    }
                }
            }
        }
    }
}
