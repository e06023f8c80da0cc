import Foundation

// MARK: - Fused output layer and cross-entropy

extension Tensor {
    /// Cross-entropy of the logits `hidden · weightᵀ` against class indices, without materialising the logits.
    ///
    /// The same value and gradients as `crossEntropy(logits: linear(hidden, weight: weight), …)`, computed over
    /// chunks of rows: each chunk's logits live only while its loss (and, when recording, its gradient
    /// `softmax − onehot`) is taken, so a `[rows, classes]` logits matrix and its gradient never exist at once.
    /// With a 49,152-token vocabulary that saves `2 · rows · 192 KB`. When recording, dLoss/dHidden (and
    /// dLoss/dWeight if the weight requires gradients) are computed during this call and only scaled by the
    /// backward pass, so nothing is recomputed.
    /// - Parameters:
    ///   - hidden: `[..., d]`; its leading dimensions are the rows.
    ///   - weight: `[classes, d]` (e.g. a tied embedding table).
    ///   - targets: one class index per row; rows whose target equals `ignoreIndex` add nothing.
    ///   - ignoreIndex: the target value to skip.
    ///   - reduction: mean over counted rows, or sum.
    /// - Returns: a scalar.
    public static func linearCrossEntropy(
        hidden: Tensor, weight: Tensor, targets: [Int], ignoreIndex: Int = -100, reduction: LossReduction = .mean
    ) -> Tensor {
        Tensor.linearCrossEntropy(
            hidden: hidden, weight: weight, targets: targets, ignoreIndex: ignoreIndex, reduction: reduction,
            chunkRows: 128)
    }

    /// `linearCrossEntropy` with an explicit chunk height (tests use small chunks).
    static func linearCrossEntropy(
        hidden: Tensor, weight: Tensor, targets: [Int], ignoreIndex: Int, reduction: LossReduction, chunkRows: Int
    ) -> Tensor {
        precondition(weight.rank == 2, "linearCrossEntropy: weight must be [classes, d], shape \(weight.shape)")
        let (classes, width) = (weight.shape[0], weight.shape[1])
        precondition(
            hidden.rank >= 1 && hidden.shape[hidden.rank - 1] == width,
            "linearCrossEntropy: hidden \(hidden.shape) vs weight \(weight.shape)")
        let rows = hidden.count / max(width, 1)
        precondition(targets.count == rows, "linearCrossEntropy: \(targets.count) targets for \(rows) rows")
        for target in targets where target != ignoreIndex {
            precondition(target >= 0 && target < classes, "linearCrossEntropy: target \(target) outside 0..<\(classes)")
        }
        let counted = targets.filter { $0 != ignoreIndex }.count
        let divisor: Float = reduction == .mean ? Float(max(counted, 1)) : 1
        let recording = Tensor.isRecording([hidden, weight])
        let hiddenGradient = recording && hidden.requiresGrad ? Tensor.zeros(hidden.shape) : nil
        let weightGradient = recording && weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
        let chunk = max(1, min(chunkRows, rows))
        let logits = Tensor.uninitialized(shape: [chunk, classes])
        var loss: Double = 0
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            BLAS.parallelGemm(
                transposeA: false, transposeB: true, m: count, n: classes, k: width,
                a: hidden.pointer + start * width, lda: width, b: weight.pointer, ldb: width,
                beta: 0, c: logits.pointer, ldc: classes)
            let chunkTargets = targets[start..<(start + count)]
            loss += SoftmaxRows.crossEntropy(
                logits.pointer, rows: count, classes: classes, targets: Array(chunkTargets), ignoreIndex: ignoreIndex,
                gradientScale: recording ? 1 / divisor : nil)
            // The chunk now holds dLoss/dLogits (ignored rows are zero).
            if let hiddenGradient {
                BLAS.parallelGemm(
                    transposeA: false, transposeB: false, m: count, n: width, k: classes,
                    a: logits.pointer, lda: classes, b: weight.pointer, ldb: width,
                    beta: 0, c: hiddenGradient.pointer + start * width, ldc: width)
            }
            if let weightGradient {
                BLAS.parallelGemm(
                    transposeA: true, transposeB: false, m: classes, n: width, k: count,
                    a: logits.pointer, lda: classes, b: hidden.pointer + start * width, ldb: width,
                    beta: 1, c: weightGradient.pointer, ldc: width)
            }
        }
        let result = Tensor(scalar: Float(loss) / divisor)
        return result.record("linearCrossEntropy", inputs: [hidden, weight]) { context in
            let factor = context.outputGradient.item
            for (index, gradient) in [(0, hiddenGradient), (1, weightGradient)] {
                guard let gradient, let target = context.gradient(ofInput: index)?.baseAddress else { continue }
                let source = UnsafePointer(gradient.pointer)
                Parallel.forEachVector(count: gradient.count, costPerItem: 2) { offset, lanes in
                    let value = VectorMath.load(source + offset, lanes: lanes) * factor
                    VectorMath.store(value, target + offset, lanes: lanes, accumulate: true)
                }
            }
        }
    }
}

// MARK: - Row kernel

/// Cross-entropy over rows of logits, shared by `crossEntropy` and `linearCrossEntropy`.
enum SoftmaxRows {
    /// The summed loss `logsumexp(row) − row[target]` over rows whose target is not `ignoreIndex`. With a
    /// `gradientScale`, each row is overwritten by `(softmax − onehot) · gradientScale` (ignored rows by zeros).
    static func crossEntropy(
        _ logits: UnsafeMutablePointer<Float>, rows: Int, classes: Int, targets: [Int], ignoreIndex: Int,
        gradientScale: Float?
    ) -> Double {
        let losses = Tensor.uninitialized(shape: [rows])
        let lossValues = losses.pointer
        Parallel.forEachChunk(rows, costPerItem: classes * 8) { chunk in
            for row in chunk {
                let line = logits + row * classes
                guard targets[row] != ignoreIndex else {
                    lossValues[row] = 0
                    if gradientScale != nil { line.update(repeating: 0, count: classes) }
                    continue
                }
                let maximum = VectorMath.maximum(line, count: classes)
                let targetLogit = line[targets[row]]
                guard let gradientScale else {
                    let total = VectorMath.expSum(line, count: classes, shift: maximum)
                    lossValues[row] = maximum + Foundation.log(total) - targetLogit
                    continue
                }
                let total = VectorMath.expShifted(line, line, count: classes, shift: maximum)
                lossValues[row] = maximum + Foundation.log(total) - targetLogit
                VectorMath.scale(line, count: classes, by: gradientScale / total)
                line[targets[row]] -= gradientScale
            }
        }
        var loss: Double = 0
        for row in 0..<rows {
            loss += Double(lossValues[row])
        }
        return loss
    }
}
