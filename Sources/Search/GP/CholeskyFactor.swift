import COpenBLAS
import Foundation

/// The Cholesky factor `L` (column-major, lower triangle) of a symmetric positive-definite `n × n` matrix, from
/// LAPACK's `dpotrf`.
struct CholeskyFactor: Sendable {
    let n: Int
    /// Column-major `[n, n]`; the lower triangle holds `L`.
    let storage: [Double]

    /// Factors `matrix` (symmetric, `n × n`); `nil` when it is not numerically positive definite.
    init?(symmetric matrix: [Double], n: Int) {
        precondition(matrix.count == n * n, "matrix must be n × n")
        var storage = matrix
        var uplo = CChar(UInt8(ascii: "L"))
        var size = Int32(n)
        var lda = Int32(max(n, 1))
        var info: Int32 = 0
        dpotrf_(&uplo, &size, &storage, &lda, &info)
        guard info == 0 else { return nil }
        self.n = n
        self.storage = storage
    }

    /// `log det(LLᵀ) = 2 Σ log L_ii`.
    var logDeterminant: Double {
        var sum = 0.0
        for i in 0..<self.n { sum += log(self.storage[i * self.n + i]) }
        return 2 * sum
    }

    /// Solves `(LLᵀ) X = B` in place; `B` is column-major `[n, columns]`.
    func solve(_ rhs: inout [Double], columns: Int) {
        precondition(rhs.count == self.n * columns, "right-hand side must be n × columns")
        var uplo = CChar(UInt8(ascii: "L"))
        var size = Int32(self.n)
        var count = Int32(columns)
        var lda = Int32(max(self.n, 1))
        var info: Int32 = 0
        self.storage.withUnsafeBufferPointer { factor in
            dpotrs_(&uplo, &size, &count, factor.baseAddress, &lda, &rhs, &lda, &info)
        }
    }

    /// Writes `(LLᵀ)⁻¹ = L⁻ᵀ L⁻¹` into the lower triangle of `inverse` (column-major `[n, n]`; the upper triangle
    /// is scratch): one triangular solve against the identity and one symmetric rank-k product, `2n³/3` flops.
    func inverse(into inverse: inout [Double], scratch: inout [Double]) {
        precondition(inverse.count == self.n * self.n && scratch.count == self.n * self.n, "buffers must be n × n")
        for index in scratch.indices { scratch[index] = 0 }
        for i in 0..<self.n { scratch[i * self.n + i] = 1 }
        scratch.withUnsafeMutableBufferPointer { identity in
            guard let base = identity.baseAddress else { return }
            self.solveLower(base, columns: self.n)
        }
        let size = Int32(self.n)
        cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, size, size, 1, scratch, size, 0, &inverse, size)
    }

    /// Solves `L X = B` in place; `B` is column-major `[n, columns]`.
    func solveLower(_ rhs: UnsafeMutablePointer<Double>, columns: Int) {
        let size = Int32(self.n)
        self.storage.withUnsafeBufferPointer { factor in
            cblas_dtrsm(
                CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, size, Int32(columns), 1,
                factor.baseAddress, size, rhs, size)
        }
    }
}
