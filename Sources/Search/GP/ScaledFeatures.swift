import COpenBLAS
import Foundation

/// Feature rows divided by the length scales, `u = x / ℓ`, with their squared norms, so that a block of Matérn-5/2
/// kernel values costs one matrix product: `r² = |u|² + |u'|² − 2 u·u'`.
struct ScaledFeatures: Sendable {
    let count: Int
    let width: Int
    /// Row-major `[count, width]`.
    let rows: [Double]
    /// `|u|²` of every row, `[count]`.
    let squaredNorms: [Double]

    /// Scales `count` feature rows (row-major `[count, width]`, `width = inverseLengthScales.count`).
    init(features: [Double], count: Int, inverseLengthScales: [Double]) {
        let width = inverseLengthScales.count
        precondition(features.count == count * width, "features must be count × width")
        var rows = features
        var norms = [Double](repeating: 0, count: count)
        rows.withUnsafeMutableBufferPointer { u in
            for row in 0..<count {
                var sum = 0.0
                for d in 0..<width {
                    let value = u[row * width + d] * inverseLengthScales[d]
                    u[row * width + d] = value
                    sum += value * value
                }
                norms[row] = sum
            }
        }
        self.count = count
        self.width = width
        self.rows = rows
        self.squaredNorms = norms
    }

    /// Writes `signal · m(r)` between every row `c` of `query` and every row `i` of `self` at `kernel[c · count + i]`
    /// (column-major `[count, query.count]`: column `c` holds `k(X, x_c)`).
    func kernel(against query: ScaledFeatures, signal: Double, into kernel: UnsafeMutableBufferPointer<Double>) {
        precondition(query.width == self.width && kernel.count == self.count * query.count, "shape mismatch")
        guard self.count > 0, query.count > 0, let base = kernel.baseAddress else { return }
        let n = self.count
        if self.width > 0 {
            cblas_dgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(query.count), Int32(n), Int32(self.width), -2,
                query.rows, Int32(self.width), self.rows, Int32(self.width), 0, base, Int32(n))
        } else {
            for index in kernel.indices { kernel[index] = 0 }
        }
        for c in 0..<query.count {
            let queryNorm = query.squaredNorms[c]
            for i in 0..<n {
                let squared = max(kernel[c * n + i] + queryNorm + self.squaredNorms[i], 0)
                kernel[c * n + i] = signal * Matern52.correlation(r: squared.squareRoot())
            }
        }
    }
}
