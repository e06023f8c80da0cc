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

    /// `gemm` with C split into one column block (or row block) per configured thread, each computed by a
    /// single-threaded OpenBLAS call on its own thread.
    ///
    /// OpenBLAS's own threading is erratic on the thin and mid-sized products of a small transformer (measured:
    /// 2 threads sometimes slower than 1), while independent single-threaded calls scale cleanly. The split runs
    /// along the larger of m and n (columns: each thread streams only its share of B) in multiples of 16; small
    /// products (fewer than ~2M multiply-adds) run as one call. Results are identical to `gemm` up to rounding
    /// order within OpenBLAS, which does not depend on the split.
    public static func parallelGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let splitColumns = n >= m
        let extent = splitColumns ? n : m
        let workers = min(BLASRuntime.threads, extent / 16)
        guard workers > 1, m * n * k >= 1 << 21, k > 0 else {
            Self.gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        Parallel.forEachWorker(workers) { worker in
            let start = (extent * worker / workers) & ~15
            let end = worker == workers - 1 ? extent : (extent * (worker + 1) / workers) & ~15
            if splitColumns {
                // Columns start..<end of C come from columns start..<end of op(B).
                Self.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k, alpha: alpha,
                    a: a, lda: lda, b: b + (transposeB ? start * ldb : start), ldb: ldb,
                    beta: beta, c: c + start, ldc: ldc)
            } else {
                // Rows start..<end of C come from rows start..<end of op(A).
                Self.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k, alpha: alpha,
                    a: a + (transposeA ? start : start * lda), lda: lda, b: b, ldb: ldb,
                    beta: beta, c: c + start * ldc, ldc: ldc)
            }
        }
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
