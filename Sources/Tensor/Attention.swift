import Foundation

// MARK: - Fused attention

extension Tensor {
    /// Scaled dot-product attention with grouped-query heads, as one fused op.
    ///
    /// Works directly on the `[batch, length, heads · headDim]` layout of the projection outputs (heads are strided
    /// sub-matrices, no transpose copies). Under a causal or key-range mask only the allowed blocks are computed.
    /// - Parameters:
    ///   - query: `[batch, queryLength, heads · headDim]` (rank 2 means batch 1).
    ///   - key: `[batch, keyLength, kvHeads · headDim]`.
    ///   - value: the same shape as `key`.
    ///   - heads: query heads; a multiple of `kvHeads` (query head `h` uses key/value head `h / (heads / kvHeads)`).
    ///   - kvHeads: key/value heads.
    ///   - mask: which keys each query may see; rows that see nothing output zeros.
    ///   - scale: the score factor, `1/√headDim` when `nil`.
    ///   - dropout: dropout on the attention probabilities (training only).
    /// - Returns: `[batch, queryLength, heads · headDim]`.
    public static func attention(
        query: Tensor, key: Tensor, value: Tensor, heads: Int, kvHeads: Int, mask: AttentionMask = .none,
        scale: Float? = nil, dropout: AttentionDropout = .none
    ) -> Tensor {
        let shape = AttentionShape(query: query, key: key, value: value, heads: heads, kvHeads: kvHeads)
        let factor = scale ?? 1 / Float(shape.headDim).squareRoot()
        let plans = (0..<shape.batch).map { mask.blocks(batch: $0, queries: shape.queries, keys: shape.keys) }
        let work = AttentionWork(shape: shape, plans: plans)
        let scoreCount = shape.queries * shape.keys
        // One factor per (batch, head, query, key); kept alive for the backward pass.
        let keepScales = dropout.scales(count: shape.batch * shape.heads * scoreCount)
        let keep = keepScales.map { UnsafePointer($0.pointer) }
        let workers = Parallel.workers(items: work.items.count, costPerItem: work.costPerItem)
        // Per-worker score scratch; the backward pass recomputes the probabilities instead of keeping
        // `batch · heads · queries · keys` of them alive between the passes.
        let probabilities = Tensor.uninitialized(shape: [workers, scoreCount])
        let result = Tensor.zeros(query.shape)
        let kernel = AttentionKernel(
            shape: shape, scale: factor, query: UnsafePointer(query.pointer), key: UnsafePointer(key.pointer),
            value: UnsafePointer(value.pointer))
        Parallel.forEachWorker(workers) { worker in
            for item in work.items(ofWorker: worker, workers: workers) {
                let scores = probabilities.pointer + worker * scoreCount
                kernel.probabilities(
                    batch: item.batch, head: item.head, block: item.block,
                    additive: mask.additiveValues(batch: item.batch, queries: shape.queries, keys: shape.keys),
                    scores: scores)
                if let keep {
                    kernel.drop(
                        block: item.block, keep: keep + (item.batch * shape.heads + item.head) * scoreCount,
                        from: scores, into: scores)
                }
                kernel.forward(
                    batch: item.batch, head: item.head, block: item.block, probabilities: scores,
                    output: result.pointer)
            }
        }
        return result.record("attention", inputs: [query, key, value]) { context in
            let queryGradient = context.gradient(ofInput: 0)?.baseAddress
            let sharedGradients = (context.gradient(ofInput: 1)?.baseAddress, context.gradient(ofInput: 2)?.baseAddress)
            // Per worker: the probabilities, dP, and with dropout the dropped probabilities.
            let buffers = keep == nil ? 2 : 3
            let scratch = Tensor.uninitialized(shape: [workers, buffers, scoreCount])
            // Heads of one key/value group add into the same dK/dV rows: workers after the first accumulate
            // privately and are summed at the end.
            let privateGradients = (1..<max(workers, 1)).map { _ in
                (
                    sharedGradients.0 == nil ? nil : Tensor.zeros(key.shape),
                    sharedGradients.1 == nil ? nil : Tensor.zeros(value.shape)
                )
            }
            Parallel.forEachWorker(workers) { worker in
                let own =
                    worker == 0
                    ? sharedGradients
                    : (privateGradients[worker - 1].0?.pointer, privateGradients[worker - 1].1?.pointer)
                let probabilities = scratch.pointer + buffers * worker * scoreCount
                for item in work.items(ofWorker: worker, workers: workers) {
                    kernel.probabilities(
                        batch: item.batch, head: item.head, block: item.block,
                        additive: mask.additiveValues(batch: item.batch, queries: shape.queries, keys: shape.keys),
                        scores: probabilities)
                    kernel.backward(
                        batch: item.batch, head: item.head, block: item.block,
                        probabilities: UnsafePointer(probabilities), outputGradient: context.outputGradientPointer,
                        scratch: probabilities + scoreCount, gradients: (queryGradient, own.0, own.1),
                        dropout: keep.map {
                            ($0 + (item.batch * shape.heads + item.head) * scoreCount, probabilities + 2 * scoreCount)
                        })
                }
            }
            for (keyPart, valuePart) in privateGradients {
                for (part, target) in [(keyPart, sharedGradients.0), (valuePart, sharedGradients.1)] {
                    guard let part, let target else { continue }
                    for index in 0..<part.count {
                        target[index] += part.pointer[index]
                    }
                }
            }
            withExtendedLifetime(keepScales) {}
        }
    }
}

/// The (batch, head, block) work items of one attention call, dealt round-robin to workers.
struct AttentionWork {
    struct Item {
        let batch: Int
        let head: Int
        let block: ScoreBlock
    }

    let items: [Item]
    /// Rough element operations per item, for the decision to go parallel.
    let costPerItem: Int

    init(shape: AttentionShape, plans: [[ScoreBlock]]) {
        var items: [Item] = []
        var area = 0
        for (batch, blocks) in plans.enumerated() {
            for head in 0..<shape.heads {
                for block in blocks {
                    items.append(Item(batch: batch, head: head, block: block))
                    area += block.rows.count * block.computedRanges.reduce(0) { $0 + $1.count }
                }
            }
        }
        self.items = items
        self.costPerItem = area * shape.headDim * 4 / max(items.count, 1)
    }

    /// Items `worker`, `worker + workers`, … (round-robin balances causal tiles of growing width).
    func items(ofWorker worker: Int, workers: Int) -> some Sequence<Item> {
        stride(from: worker, to: self.items.count, by: workers).lazy.map { self.items[$0] }
    }
}

// MARK: - Shapes

/// The dimensions of one attention call, checked.
struct AttentionShape {
    let batch: Int
    let queries: Int
    let keys: Int
    let heads: Int
    let kvHeads: Int
    let headDim: Int

    init(query: Tensor, key: Tensor, value: Tensor, heads: Int, kvHeads: Int) {
        precondition(
            query.rank == key.rank && key.shape == value.shape,
            "attention: \(query.shape), \(key.shape), \(value.shape)")
        precondition(query.rank == 2 || query.rank == 3, "attention: inputs must be [batch, length, features]")
        precondition(heads > 0 && kvHeads > 0 && heads % kvHeads == 0, "attention: \(heads) heads, \(kvHeads) kv heads")
        let batched = query.rank == 3
        self.batch = batched ? query.shape[0] : 1
        precondition(!batched || key.shape[0] == self.batch, "attention: batch of \(query.shape) vs \(key.shape)")
        self.queries = query.shape[query.rank - 2]
        self.keys = key.shape[key.rank - 2]
        self.heads = heads
        self.kvHeads = kvHeads
        let width = query.shape[query.rank - 1]
        precondition(width % heads == 0, "attention: width \(width) for \(heads) heads")
        self.headDim = width / heads
        precondition(key.shape[key.rank - 1] == kvHeads * self.headDim, "attention: key width vs \(kvHeads) kv heads")
    }

    var queryWidth: Int { self.heads * self.headDim }
    var keyWidth: Int { self.kvHeads * self.headDim }
}

// MARK: - Kernel

/// The per-(batch, head) GEMMs and softmax of attention, over the mask's blocks only.
struct AttentionKernel {
    let shape: AttentionShape
    let scale: Float
    let query: UnsafePointer<Float>
    let key: UnsafePointer<Float>
    let value: UnsafePointer<Float>

    /// Element offsets of head `head`'s query block row 0 and its key/value head's row 0 in batch entry `batch`.
    private func offsets(batch: Int, head: Int) -> (query: Int, key: Int) {
        let kvHead = head / (self.shape.heads / self.shape.kvHeads)
        return (
            batch * self.shape.queries * self.shape.queryWidth + head * self.shape.headDim,
            batch * self.shape.keys * self.shape.keyWidth + kvHead * self.shape.headDim
        )
    }

    /// Scores and masked softmax of one block of one head, into the block's rows of `scores` (`[queries, keys]`).
    func probabilities(
        batch: Int, head: Int, block: ScoreBlock, additive: UnsafePointer<Float>?, scores: UnsafeMutablePointer<Float>
    ) {
        let (queryOffset, keyOffset) = self.offsets(batch: batch, head: head)
        let (d, qw, kw, keys) = (self.shape.headDim, self.shape.queryWidth, self.shape.keyWidth, self.shape.keys)
        let ranges = block.computedRanges
        let rows = block.rows
        for range in ranges {
            BLAS.gemm(
                transposeA: false, transposeB: true, m: rows.count, n: range.count, k: d, alpha: self.scale,
                a: self.query + queryOffset + rows.lowerBound * qw, lda: qw,
                b: self.key + keyOffset + range.lowerBound * kw, ldb: kw,
                beta: 0, c: scores + rows.lowerBound * keys + range.lowerBound, ldc: keys)
        }
        for row in rows {
            _ = MaskedSoftmax.normalize(
                scores + row * keys, block: block, ranges: ranges, rowIndex: row,
                additive: additive.map { $0 + row * keys })
        }
    }

    /// `target = source ⊙ keep` over one block's computed entries (all three `[queries, keys]`; may alias).
    func drop(
        block: ScoreBlock, keep: UnsafePointer<Float>, from source: UnsafePointer<Float>,
        into target: UnsafeMutablePointer<Float>
    ) {
        let keys = self.shape.keys
        let ranges = block.computedRanges
        for row in block.rows {
            for range in ranges {
                for index in range {
                    target[row * keys + index] = source[row * keys + index] * keep[row * keys + index]
                }
            }
        }
    }

    /// `output += P·V` for one block of one head, with `probabilities` from `probabilities(...)`.
    func forward(
        batch: Int, head: Int, block: ScoreBlock, probabilities: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let (queryOffset, keyOffset) = self.offsets(batch: batch, head: head)
        let (d, qw, kw, keys) = (self.shape.headDim, self.shape.queryWidth, self.shape.keyWidth, self.shape.keys)
        let rows = block.rows
        for range in block.computedRanges {
            BLAS.gemm(
                transposeA: false, transposeB: false, m: rows.count, n: d, k: range.count,
                a: probabilities + rows.lowerBound * keys + range.lowerBound, lda: keys,
                b: self.value + keyOffset + range.lowerBound * kw, ldb: kw,
                beta: 1, c: output + queryOffset + rows.lowerBound * qw, ldc: qw)
        }
    }

    /// Accumulates dQ, dK, dV (each optional) for one block of one head from dO, using the saved probabilities.
    /// - Parameter dropout: this (batch, head)'s dropout factors and a `[queries, keys]` buffer for the dropped
    ///   probabilities, when the forward pass dropped some.
    func backward(
        batch: Int, head: Int, block: ScoreBlock, probabilities: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        gradients: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?),
        dropout: (keep: UnsafePointer<Float>, dropped: UnsafeMutablePointer<Float>)? = nil
    ) {
        let (queryOffset, keyOffset) = self.offsets(batch: batch, head: head)
        let (d, qw, kw, keys) = (self.shape.headDim, self.shape.queryWidth, self.shape.keyWidth, self.shape.keys)
        let needsScores = gradients.0 != nil || gradients.1 != nil
        let ranges = block.computedRanges
        let rows = block.rows
        let gradientOutput = outputGradient + queryOffset + rows.lowerBound * qw
        // The output used P ⊙ keep: dV takes the dropped probabilities, and dP is dP' ⊙ keep.
        if let dropout { self.drop(block: block, keep: dropout.keep, from: probabilities, into: dropout.dropped) }
        let used = dropout.map { UnsafePointer($0.dropped) } ?? probabilities
        for range in ranges {
            let p = used + rows.lowerBound * keys + range.lowerBound
            if let valueGradient = gradients.2 {
                // dV += Pᵀ · dO
                BLAS.gemm(
                    transposeA: true, transposeB: false, m: range.count, n: d, k: rows.count,
                    a: p, lda: keys, b: gradientOutput, ldb: qw,
                    beta: 1, c: valueGradient + keyOffset + range.lowerBound * kw, ldc: kw)
            }
            if needsScores {
                // dP = dO · Vᵀ
                BLAS.gemm(
                    transposeA: false, transposeB: true, m: rows.count, n: range.count, k: d,
                    a: gradientOutput, lda: qw, b: self.value + keyOffset + range.lowerBound * kw, ldb: kw,
                    beta: 0, c: scratch + rows.lowerBound * keys + range.lowerBound, ldc: keys)
            }
        }
        guard needsScores else { return }
        // dS = P ⊙ (dP − rowsum(P ⊙ dP)); P is 0 outside the allowed keys, so whole ranges can be used.
        if let dropout { self.drop(block: block, keep: dropout.keep, from: scratch, into: scratch) }
        for row in rows {
            let (p, dp) = (probabilities + row * keys, scratch + row * keys)
            var total: Float = 0
            for range in ranges {
                total += VectorMath.dot(p + range.lowerBound, dp + range.lowerBound, count: range.count)
            }
            for range in ranges {
                for index in range {
                    dp[index] = p[index] * (dp[index] - total)
                }
            }
        }
        for range in ranges {
            let ds = UnsafePointer(scratch + rows.lowerBound * keys + range.lowerBound)
            if let queryGradient = gradients.0 {
                // dQ += scale · dS · K
                BLAS.gemm(
                    transposeA: false, transposeB: false, m: rows.count, n: d, k: range.count, alpha: self.scale,
                    a: ds, lda: keys, b: self.key + keyOffset + range.lowerBound * kw, ldb: kw,
                    beta: 1, c: queryGradient + queryOffset + rows.lowerBound * qw, ldc: qw)
            }
            if let keyGradient = gradients.1 {
                // dK += scale · dSᵀ · Q
                BLAS.gemm(
                    transposeA: true, transposeB: false, m: range.count, n: d, k: rows.count, alpha: self.scale,
                    a: ds, lda: keys, b: self.query + queryOffset + rows.lowerBound * qw, ldb: qw,
                    beta: 1, c: keyGradient + keyOffset + range.lowerBound * kw, ldc: kw)
            }
        }
    }
}
