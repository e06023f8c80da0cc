import Foundation

// MARK: - Cross-entropy

/// How a loss combines its per-row terms.
public enum LossReduction: Sendable {
    /// The mean over the rows that count (ignored targets excluded); 0 when no row counts.
    case mean
    /// The sum over the rows that count.
    case sum
}

extension Tensor {
    /// Cross-entropy of `logits` against class indices, fused with the log-softmax (numerically stable: the
    /// row maximum is subtracted before exponentiating). Suited to large class counts (full softmax over every
    /// class; rows are split over the configured threads).
    /// - Parameters:
    ///   - logits: `[rows, classes]`.
    ///   - targets: `rows` class indices; a row whose target equals `ignoreIndex` adds nothing (a target mask).
    ///   - ignoreIndex: the target value to skip.
    ///   - reduction: mean over counted rows, or sum.
    ///   - excluded: when given, per row the classes its softmax leaves out (as if their logits were −∞; they take
    ///     no gradient). A row's target must not be among them.
    ///   - unavailable: classes every row's softmax leaves out, as `excluded` does (e.g. items held out of training).
    /// - Returns: a scalar.
    public static func crossEntropy(
        logits: Tensor, targets: [Int], ignoreIndex: Int = -100, reduction: LossReduction = .mean,
        excluded: [[Int]]? = nil, unavailable: [Int] = []
    ) -> Tensor {
        precondition(
            logits.rank == 2 && logits.shape[0] == targets.count,
            "crossEntropy: \(logits.shape), \(targets.count) targets")
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        for target in targets where target != ignoreIndex {
            precondition(target >= 0 && target < classes, "crossEntropy: target \(target) outside 0..<\(classes)")
        }
        let exclusions = ExcludedClasses(
            excluded, unavailable: unavailable, rows: rows, classes: classes, targets: targets)
        let counted = targets.filter { $0 != ignoreIndex }.count
        let divisor: Float = reduction == .mean ? Float(max(counted, 1)) : 1
        let logSums = Tensor.uninitialized(shape: [rows])  // max + log Σ exp, per row
        let (source, sums) = (UnsafePointer(logits.pointer), logSums.pointer)
        Parallel.forEachChunk(rows, costPerItem: classes * 8) { chunk in
            exclusions.withScratch { scratch in
                for row in chunk where targets[row] != ignoreIndex {
                    let line = exclusions.line(source + row * classes, row: row, scratch: scratch)
                    let maximum = VectorMath.maximum(line, count: classes)
                    sums[row] = maximum + Foundation.log(VectorMath.expSum(line, count: classes, shift: maximum))
                }
            }
        }
        var loss: Double = 0
        for row in 0..<rows where targets[row] != ignoreIndex {
            loss += Double(sums[row] - source[row * classes + targets[row]])
        }
        let result = Tensor(scalar: Float(loss) / divisor)
        return result.record("crossEntropy", inputs: [logits]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            let factor = context.outputGradient.item / divisor
            Parallel.forEachChunk(rows, costPerItem: classes * 8) { chunk in
                exclusions.withScratch { scratch in
                    for row in chunk where targets[row] != ignoreIndex {
                        // d/dlogit = (softmax − onehot) · factor; excluded classes have probability 0.
                        let line = exclusions.line(source + row * classes, row: row, scratch: scratch)
                        let target = gradient + row * classes
                        let shift = VectorMath.Vector(repeating: logSums.pointer[row])
                        VectorMath.forEachVector(count: classes) { offset, lanes in
                            let probability = VectorMath.exp(VectorMath.load(line + offset, lanes: lanes) - shift)
                            VectorMath.store(probability * factor, target + offset, lanes: lanes, accumulate: true)
                        }
                        target[targets[row]] -= factor
                    }
                }
            }
        }
    }

    /// InfoNCE (contrastive) loss: cross-entropy of `queries · keysᵀ / temperature` against the positive key of
    /// each query; every other key is a negative.
    /// - Parameters:
    ///   - queries: `[n, d]`.
    ///   - keys: `[m, d]`.
    ///   - positives: for each query, the row of its positive key (or `ignoreIndex` to skip the query).
    ///   - temperature: the softmax temperature τ > 0.
    /// - Returns: a scalar (mean over counted queries).
    public static func infoNCE(
        queries: Tensor, keys: Tensor, positives: [Int], temperature: Float, ignoreIndex: Int = -100
    ) -> Tensor {
        precondition(temperature > 0, "infoNCE: temperature must be positive")
        let logits = Tensor.matmul(queries, keys, transposeB: true).scaled(by: 1 / temperature)
        return Tensor.crossEntropy(logits: logits, targets: positives, ignoreIndex: ignoreIndex)
    }
}

// MARK: - Excluded classes

/// The classes each row's softmax leaves out (`crossEntropy(…, excluded:, unavailable:)`): a row with exclusions is
/// read through a per-thread scratch copy with −∞ at the excluded classes, so the logits themselves are never copied
/// or changed.
private struct ExcludedClasses: Sendable {
    let excluded: [[Int]]?
    /// Left out of every row.
    let unavailable: [Int]
    let classes: Int
    let targets: [Int]

    init(_ excluded: [[Int]]?, unavailable: [Int], rows: Int, classes: Int, targets: [Int]) {
        precondition(
            excluded.map { $0.count == rows } ?? true,
            "crossEntropy: \(excluded?.count ?? 0) exclusion lists for \(rows) rows")
        (self.excluded, self.unavailable, self.classes, self.targets) = (excluded, unavailable, classes, targets)
    }

    /// Runs `body` with a `[classes]` scratch row (none when nothing is excluded).
    func withScratch(_ body: (UnsafeMutablePointer<Float>?) -> Void) {
        guard self.excluded != nil || !self.unavailable.isEmpty else { return body(nil) }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: self.classes)
        defer { scratch.deallocate() }
        body(scratch)
    }

    /// Row `row` of the logits, `line`, as its softmax sees it.
    func line(_ line: UnsafePointer<Float>, row: Int, scratch: UnsafeMutablePointer<Float>?) -> UnsafePointer<Float> {
        let columns = self.excluded?[row] ?? []
        guard let scratch, !columns.isEmpty || !self.unavailable.isEmpty else { return line }
        scratch.update(from: line, count: self.classes)
        for list in [columns, self.unavailable] {
            for column in list {
                precondition(
                    column >= 0 && column < self.classes && column != self.targets[row],
                    "crossEntropy: row \(row) excludes class \(column) (target \(self.targets[row]), "
                        + "\(self.classes) classes)")
                scratch[column] = -.infinity
            }
        }
        return UnsafePointer(scratch)
    }
}
