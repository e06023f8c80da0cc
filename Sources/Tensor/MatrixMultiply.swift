// MARK: - Matrix multiplication

extension Tensor {
    /// op(a) · op(b) for matrices, or for a batch of row vectors: `a` may have rank > 2 when `transposeA` is false,
    /// its leading dimensions then count as rows.
    /// - Parameters:
    ///   - a: `[..., m, k]` (or `[k, m]` with `transposeA`).
    ///   - b: `[k, n]` (or `[n, k]` with `transposeB`).
    /// - Returns: `[..., m, n]`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(b.rank == 2, "matmul: b must be a matrix, shape \(b.shape)")
        precondition(a.rank == 2 || (a.rank > 2 && !transposeA), "matmul: a must be a matrix, shape \(a.shape)")
        let k = transposeA ? a.shape[0] : a.shape[a.rank - 1]
        let m = a.count / max(k, 1)
        let (bk, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(k == bk, "matmul: inner dimensions \(a.shape) · \(b.shape) do not match")
        let outputShape = transposeA ? [m, n] : Array(a.shape.dropLast()) + [n]
        let result = Tensor.uninitialized(shape: outputShape)
        let product = MatrixProduct(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        product.forward(a.pointer, b.pointer, result.pointer, beta: 0)
        return result.record("matmul", inputs: [a, b]) { context in
            product.backward(context, a: a.pointer, b: b.pointer)
        }
    }

    /// A batch of independent products: `a[i] · b[i]` (with optional transposes) for every `i`.
    /// - Parameters:
    ///   - a: `[batch, m, k]` (or `[batch, k, m]` with `transposeA`).
    ///   - b: `[batch, k, n]` (or `[batch, n, k]` with `transposeB`).
    /// - Returns: `[batch, m, n]`.
    public static func batchedMatmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
    ) -> Tensor {
        precondition(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0], "batchedMatmul: \(a.shape), \(b.shape)")
        let batch = a.shape[0]
        let (m, k) = transposeA ? (a.shape[2], a.shape[1]) : (a.shape[1], a.shape[2])
        let (bk, n) = transposeB ? (b.shape[2], b.shape[1]) : (b.shape[1], b.shape[2])
        precondition(k == bk, "batchedMatmul: inner dimensions \(a.shape) · \(b.shape) do not match")
        let result = Tensor.uninitialized(shape: [batch, m, n])
        let product = MatrixProduct(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        for index in 0..<batch {
            product.forward(
                a.pointer + index * m * k, b.pointer + index * k * n, result.pointer + index * m * n, beta: 0)
        }
        return result.record("batchedMatmul", inputs: [a, b]) { context in
            for index in 0..<batch {
                product.backward(
                    context, a: a.pointer, b: b.pointer, offsets: (index * m * k, index * k * n, index * m * n))
            }
        }
    }

    /// A fully connected layer: `x · weightᵀ + bias`.
    /// - Parameters:
    ///   - x: `[..., inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]` (the PyTorch / GGUF layout).
    ///   - bias: `[outFeatures]`, optional.
    /// - Returns: `[..., outFeatures]`. A frozen `weight` (no `requiresGrad`) costs no weight-gradient GEMM.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2, "linear: weight must be [out, in], shape \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures, "linear: x \(x.shape) vs weight \(weight.shape)")
        let rows = x.count / max(inFeatures, 1)
        let result = Tensor.uninitialized(shape: Array(x.shape.dropLast()) + [outFeatures])
        let product = MatrixProduct(m: rows, n: outFeatures, k: inFeatures, transposeA: false, transposeB: true)
        if let bias {
            precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) vs \(outFeatures) outputs")
            for row in 0..<rows {
                (result.pointer + row * outFeatures).update(from: bias.pointer, count: outFeatures)
            }
        }
        product.forward(x.pointer, weight.pointer, result.pointer, beta: bias == nil ? 0 : 1)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return result.record("linear", inputs: inputs) { context in
            product.backward(context, a: x.pointer, b: weight.pointer)
            if inputs.count == 3, let biasGradient = context.gradient(ofInput: 2) {
                let gradient = context.outputGradientPointer
                for row in 0..<rows {
                    let line = gradient + row * outFeatures
                    for column in 0..<outFeatures {
                        biasGradient[column] += line[column]
                    }
                }
            }
        }
    }
}

// MARK: - Product kernel

/// C = op(A) · op(B) for contiguous matrices, with the matching backward GEMMs.
struct MatrixProduct {
    let m: Int
    let n: Int
    let k: Int
    let transposeA: Bool
    let transposeB: Bool

    var lda: Int { self.transposeA ? self.m : self.k }
    var ldb: Int { self.transposeB ? self.k : self.n }

    func forward(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, beta: Float
    ) {
        BLAS.parallelGemm(
            transposeA: self.transposeA, transposeB: self.transposeB, m: self.m, n: self.n, k: self.k,
            a: a, lda: self.lda, b: b, ldb: self.ldb, beta: beta, c: c, ldc: self.n)
    }

    /// Adds dA into input 0's gradient and dB into input 1's. `offsets` place the product at element offsets of
    /// A, B and C (batched products pass one triple per batch entry); without them it covers the whole inputs, so
    /// a gradient buffer created for it is written with β = 0 instead of being zero-filled first.
    func backward(
        _ context: BackwardContext, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        offsets: (Int, Int, Int)? = nil
    ) {
        // Taken when its GEMM runs: A and B may be one tensor, whose second product must add to the first.
        func gradient(_ index: Int, offset: Int) -> (pointer: UnsafeMutablePointer<Float>, beta: Float)? {
            guard offsets != nil else {
                return context.wholeGradient(ofInput: index).map { ($0.pointer, $0.accumulate ? 1 : 0) }
            }
            return context.gradient(ofInput: index)?.baseAddress.map { ($0 + offset, 1) }
        }
        let offsets = offsets ?? (0, 0, 0)
        let gradientC = context.outputGradientPointer + offsets.2
        if let (gradientA, beta) = gradient(0, offset: offsets.0) {
            if self.transposeA {
                // A is k×m: dA = op(B) · dCᵀ
                BLAS.parallelGemm(
                    transposeA: self.transposeB, transposeB: true, m: self.k, n: self.m, k: self.n,
                    a: b + offsets.1, lda: self.ldb, b: gradientC, ldb: self.n, beta: beta, c: gradientA,
                    ldc: self.m)
            } else {
                // dA = dC · op(B)ᵀ
                BLAS.parallelGemm(
                    transposeA: false, transposeB: !self.transposeB, m: self.m, n: self.k, k: self.n,
                    a: gradientC, lda: self.n, b: b + offsets.1, ldb: self.ldb, beta: beta, c: gradientA,
                    ldc: self.k)
            }
        }
        if let (gradientB, beta) = gradient(1, offset: offsets.1) {
            if self.transposeB {
                // B is n×k: dB = dCᵀ · op(A)
                BLAS.parallelGemm(
                    transposeA: true, transposeB: self.transposeA, m: self.n, n: self.k, k: self.m,
                    a: gradientC, lda: self.n, b: a + offsets.0, ldb: self.lda, beta: beta, c: gradientB,
                    ldc: self.k)
            } else {
                // dB = op(A)ᵀ · dC
                BLAS.parallelGemm(
                    transposeA: !self.transposeA, transposeB: false, m: self.k, n: self.n, k: self.m,
                    a: a + offsets.0, lda: self.lda, b: gradientC, ldb: self.n, beta: beta, c: gradientB,
                    ldc: self.n)
            }
        }
    }
}
