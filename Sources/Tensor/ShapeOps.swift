// MARK: - Reshape and permute

extension Tensor {
    /// The same elements with another shape (no copy: the result shares storage). One dimension may be `-1`.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var shape = newShape
        if let inferred = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            shape[inferred] = known == 0 ? 0 : self.count / known
        }
        precondition(shape.reduce(1, *) == self.count, "reshape: \(self.shape) into \(newShape)")
        let input = self
        let count = self.count
        let result = Tensor(shape: shape, storage: self.storage)
        return result.record("reshape", inputs: [input]) { context in
            guard context.needsGradient(0) else { return }
            // The output's gradient is dropped after this closure, so a first gradient can take over its buffer
            // (no copy, and no second buffer as big as the input: this matters for `[B·L, V]` logits).
            if input.grad == nil && !context.output.retainsGrad {
                input.grad = Tensor(shape: input.shape, storage: context.outputGradient.storage)
                return
            }
            guard let gradient = context.gradient(ofInput: 0) else { return }
            let outputGradient = context.outputGradientPointer
            for index in 0..<count {
                gradient[index] += outputGradient[index]
            }
        }
    }

    /// Swaps two dimensions (copies).
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        var axes = Array(0..<self.rank)
        axes.swapAt(first, second)
        return self.permuted(axes)
    }

    /// Reorders dimensions: result dimension `i` is input dimension `axes[i]` (copies).
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<self.rank), "permute: \(axes) for rank \(self.rank)")
        let input = self
        let permutation = Permutation(shape: self.shape, axes: axes)
        let result = Tensor.uninitialized(shape: permutation.outputShape)
        permutation.apply(UnsafePointer(input.pointer), result.pointer, inverse: false)
        return result.record("permute", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            permutation.apply(context.outputGradientPointer, gradient, inverse: true)
        }
    }
}

/// Index arithmetic of a dimension permutation.
struct Permutation {
    let inputShape: [Int]
    let outputShape: [Int]
    /// For each output dimension, the stride of the corresponding input dimension.
    let inputStrides: [Int]

    init(shape: [Int], axes: [Int]) {
        var strides = Array(repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        self.inputShape = shape
        self.outputShape = axes.map { shape[$0] }
        self.inputStrides = axes.map { strides[$0] }
    }

    /// Forward: output[o] = input[map(o)]. Inverse (for gradients): input[map(o)] += output[o].
    func apply(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, inverse: Bool) {
        let count = self.outputShape.reduce(1, *)
        var index = Array(repeating: 0, count: self.outputShape.count)
        var inputOffset = 0
        for outputOffset in 0..<count {
            if inverse {
                target[inputOffset] += source[outputOffset]
            } else {
                target[outputOffset] = source[inputOffset]
            }
            var axis = self.outputShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                inputOffset += self.inputStrides[axis]
                if index[axis] < self.outputShape[axis] { break }
                inputOffset -= self.inputStrides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

// MARK: - Concatenate and slice

extension Tensor {
    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat: no tensors")
        let first = tensors[0]
        precondition(axis >= 0 && axis < first.rank, "concat: axis \(axis) for shape \(first.shape)")
        for tensor in tensors {
            precondition(
                tensor.rank == first.rank
                    && tensor.shape.enumerated().allSatisfy { $0 == axis || $1 == first.shape[$0] },
                "concat: \(tensor.shape) vs \(first.shape) along axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        let chunks = tensors.map { $0.shape[axis] * inner }
        let rowLength = chunks.reduce(0, +)
        var shape = first.shape
        shape[axis] = tensors.map { $0.shape[axis] }.reduce(0, +)
        let result = Tensor.uninitialized(shape: shape)
        var start = 0
        for (tensor, chunk) in zip(tensors, chunks) {
            for row in 0..<outer {
                (result.pointer + row * rowLength + start).update(from: tensor.pointer + row * chunk, count: chunk)
            }
            start += chunk
        }
        return result.record("concat", inputs: tensors) { context in
            var start = 0
            for (index, chunk) in chunks.enumerated() {
                defer { start += chunk }
                guard let gradient = context.gradient(ofInput: index) else { continue }
                for row in 0..<outer {
                    let source = context.outputGradientPointer + row * rowLength + start
                    for column in 0..<chunk {
                        gradient[row * chunk + column] += source[column]
                    }
                }
            }
        }
    }

    /// The sub-tensor with indices `range` along `axis` (copies).
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(
            axis < self.rank && range.lowerBound >= 0 && range.upperBound <= self.shape[axis],
            "slice: \(range) of \(self.shape)")
        let input = self
        let outer = self.shape[..<axis].reduce(1, *)
        let inner = self.shape[(axis + 1)...].reduce(1, *)
        let (rowLength, chunk, start) = (self.shape[axis] * inner, range.count * inner, range.lowerBound * inner)
        var shape = self.shape
        shape[axis] = range.count
        let result = Tensor.uninitialized(shape: shape)
        for row in 0..<outer {
            (result.pointer + row * chunk).update(from: input.pointer + row * rowLength + start, count: chunk)
        }
        return result.record("slice", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            for row in 0..<outer {
                let (source, target) = (context.outputGradientPointer + row * chunk, gradient + row * rowLength + start)
                for column in 0..<chunk {
                    target[column] += source[column]
                }
            }
        }
    }

    /// Rows of a matrix picked by index (repeats allowed); the backward pass scatter-adds into the picked rows.
    /// - Parameters:
    ///   - indices: row indices into the first dimension of `self`.
    /// - Returns: `[indices.count] + shape.dropFirst()`.
    public func gather(rows indices: [Int]) -> Tensor {
        precondition(self.rank >= 1, "gather: needs rank ≥ 1")
        let input = self
        let rowCount = self.shape[0]
        let width = self.count / max(rowCount, 1)
        for index in indices {
            precondition(index >= 0 && index < rowCount, "gather: row \(index) outside 0..<\(rowCount)")
        }
        let result = Tensor.uninitialized(shape: [indices.count] + self.shape.dropFirst())
        for (row, index) in indices.enumerated() {
            (result.pointer + row * width).update(from: input.pointer + index * width, count: width)
        }
        return result.record("gather", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            for (row, index) in indices.enumerated() {
                let (source, target) = (context.outputGradientPointer + row * width, gradient + index * width)
                for column in 0..<width {
                    target[column] += source[column]
                }
            }
        }
    }

    /// Embedding lookup: row `ids[i]` of `table` for every `i` (a gather with scatter-add backward).
    /// - Parameters:
    ///   - ids: token ids, each in `0..<vocabulary`.
    ///   - table: `[vocabulary, width]`.
    /// - Returns: `[ids.count, width]`.
    public static func embedding(_ ids: [Int], table: Tensor) -> Tensor {
        precondition(table.rank == 2, "embedding: table must be [vocabulary, width], shape \(table.shape)")
        return table.gather(rows: ids)
    }
}

// MARK: - Reductions

extension Tensor {
    /// The sum of all elements (a scalar, shape `[]`).
    public func sum() -> Tensor {
        let input = self
        let total = VectorMath.sum(input.pointer, count: input.count)
        return Tensor(scalar: total).record("sum", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0) else { return }
            let g = context.outputGradient.item
            for index in gradient.indices {
                gradient[index] += g
            }
        }
    }

    /// The mean of all elements (a scalar).
    public func mean() -> Tensor {
        self.sum().scaled(by: 1 / Float(max(self.count, 1)))
    }

    /// Sums over dimension `axis`, removing it (or keeping it with extent 1 when `keepingDimension`).
    public func sum(axis: Int, keepingDimension: Bool = false) -> Tensor {
        precondition(axis >= 0 && axis < self.rank, "sum: axis \(axis) for shape \(self.shape)")
        let input = self
        let outer = self.shape[..<axis].reduce(1, *)
        let inner = self.shape[(axis + 1)...].reduce(1, *)
        let extent = self.shape[axis]
        var shape = self.shape
        if keepingDimension { shape[axis] = 1 } else { shape.remove(at: axis) }
        let result = Tensor.zeros(shape)
        for row in 0..<outer {
            for step in 0..<extent {
                let (source, target) = (input.pointer + (row * extent + step) * inner, result.pointer + row * inner)
                for column in 0..<inner {
                    target[column] += source[column]
                }
            }
        }
        return result.record("sumAxis", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            for row in 0..<outer {
                for step in 0..<extent {
                    let source = context.outputGradientPointer + row * inner
                    let target = gradient + (row * extent + step) * inner
                    for column in 0..<inner {
                        target[column] += source[column]
                    }
                }
            }
        }
    }

    /// The mean over dimension `axis`.
    public func mean(axis: Int, keepingDimension: Bool = false) -> Tensor {
        self.sum(axis: axis, keepingDimension: keepingDimension).scaled(by: 1 / Float(max(self.shape[axis], 1)))
    }
}
