import COpenBLAS

// MARK: - GEMM

/// Thin wrappers over OpenBLAS for row-major Float32 matrices given by base pointer and leading dimension.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    /// - Parameters:
    ///   - transposeA: use Aᵀ (A is stored k×m with leading dimension `lda`).
    ///   - transposeB: use Bᵀ (B is stored n×k with leading dimension `ldb`).
    ///   - lda, ldb, ldc: row strides in elements; strided sub-matrices (one head of a `[L, H·D]` tensor) work.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            scaleMatrix(c, rows: m, columns: n, stride: ldc, by: beta)
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C *= beta over an m×n strided block (what GEMM does when k is 0).
    private static func scaleMatrix(
        _ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int, by beta: Float
    ) {
        for row in 0..<rows {
            let line = c + row * stride
            for column in 0..<columns {
                line[column] = beta == 0 ? 0 : line[column] * beta
            }
        }
    }
}
