// MARK: - Normalisation

extension Tensor {
    /// RMSNorm over the last dimension: `x / sqrt(mean(x²) + epsilon) · weight`.
    /// - Parameters:
    ///   - x: `[..., d]`.
    ///   - weight: `[d]` gains, or `nil` for none.
    /// - Returns: `[..., d]`.
    public static func rmsNorm(_ x: Tensor, weight: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let width = x.shape.last ?? 1
        let rows = x.count / max(width, 1)
        if let weight {
            precondition(weight.shape == [width], "rmsNorm: weight \(weight.shape) vs width \(width)")
        }
        let result = Tensor.uninitialized(shape: x.shape)
        let inverseRMS = Tensor.uninitialized(shape: [rows])
        // Without a weight, unit gains keep the loops branch-free.
        let gainTensor = weight ?? Tensor.ones([width])
        let gains = UnsafePointer(gainTensor.pointer)
        let (source, destination, scales) = (UnsafePointer(x.pointer), result.pointer, inverseRMS.pointer)
        Parallel.forEachChunk(rows, costPerItem: width * 3) { chunk in
            for row in chunk {
                let line = source + row * width
                let scale = 1 / (VectorMath.dot(line, line, count: width) / Float(width) + epsilon).squareRoot()
                scales[row] = scale
                let output = destination + row * width
                for column in 0..<width {
                    output[column] = line[column] * scale * gains[column]
                }
            }
        }
        let inputs = weight.map { [x, $0] } ?? [x]
        return result.record("rmsNorm", inputs: inputs) { context in
            let outputGradient = context.outputGradientPointer
            let scales = UnsafePointer(inverseRMS.pointer)
            if inputs.count == 2, let weightGradient = context.gradient(ofInput: 1) {
                for row in 0..<rows {
                    let (line, g, scale) = (source + row * width, outputGradient + row * width, scales[row])
                    for column in 0..<width {
                        weightGradient[column] += g[column] * line[column] * scale
                    }
                }
            }
            guard let (inputGradient, accumulate) = context.wholeGradient(ofInput: 0) else { return }
            withExtendedLifetime(gainTensor) {
                Parallel.forEachChunk(rows, costPerItem: width * 4) { chunk in
                    for row in chunk {
                        let (line, g, scale) = (source + row * width, outputGradient + row * width, scales[row])
                        let target = inputGradient + row * width
                        // dx = s·(g·w) − x·s³·mean(g·w·x)
                        var projection: Float = 0
                        for column in 0..<width {
                            projection += g[column] * gains[column] * line[column]
                        }
                        let correction = projection * scale * scale * scale / Float(width)
                        if accumulate {
                            for column in 0..<width {
                                target[column] += scale * g[column] * gains[column] - line[column] * correction
                            }
                        } else {
                            for column in 0..<width {
                                target[column] = scale * g[column] * gains[column] - line[column] * correction
                            }
                        }
                    }
                }
            }
        }
    }

    /// LayerNorm over the last dimension: `(x − mean) / sqrt(var + epsilon) · weight + bias`.
    /// - Parameters:
    ///   - x: `[..., d]`.
    ///   - weight: `[d]` gains, or `nil`.
    ///   - bias: `[d]` offsets, or `nil`.
    /// - Returns: `[..., d]`.
    public static func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let width = x.shape.last ?? 1
        let rows = x.count / max(width, 1)
        for parameter in [weight, bias].compactMap({ $0 }) {
            precondition(parameter.shape == [width], "layerNorm: parameter \(parameter.shape) vs width \(width)")
        }
        let result = Tensor.uninitialized(shape: x.shape)
        let statistics = Tensor.uninitialized(shape: [rows, 2])  // mean, 1/std
        let gains = weight.map { UnsafePointer($0.pointer) }
        let offsets = bias.map { UnsafePointer($0.pointer) }
        let (source, destination, stats) = (UnsafePointer(x.pointer), result.pointer, statistics.pointer)
        for row in 0..<rows {
            let line = source + row * width
            let mean = VectorMath.sum(line, count: width) / Float(width)
            var variance: Float = 0
            for column in 0..<width {
                variance += (line[column] - mean) * (line[column] - mean)
            }
            let scale = 1 / (variance / Float(width) + epsilon).squareRoot()
            (stats[2 * row], stats[2 * row + 1]) = (mean, scale)
            let output = destination + row * width
            for column in 0..<width {
                output[column] = (line[column] - mean) * scale * (gains?[column] ?? 1) + (offsets?[column] ?? 0)
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        let weightIndex = weight == nil ? nil : 1
        let biasIndex = bias == nil ? nil : inputs.count - 1
        return result.record("layerNorm", inputs: inputs) { context in
            let outputGradient = context.outputGradientPointer
            let inputGradient = context.gradient(ofInput: 0)
            let weightGradient = weightIndex.flatMap { context.gradient(ofInput: $0) }
            let biasGradient = biasIndex.flatMap { context.gradient(ofInput: $0) }
            for row in 0..<rows {
                let (line, g) = (source + row * width, outputGradient + row * width)
                let (mean, scale) = (statistics.pointer[2 * row], statistics.pointer[2 * row + 1])
                var meanGradient: Float = 0
                var meanGradientTimesNormalized: Float = 0
                for column in 0..<width {
                    let normalized = (line[column] - mean) * scale
                    let gradientNormalized = g[column] * (gains?[column] ?? 1)
                    meanGradient += gradientNormalized
                    meanGradientTimesNormalized += gradientNormalized * normalized
                    weightGradient?[column] += g[column] * normalized
                    biasGradient?[column] += g[column]
                }
                guard let target = inputGradient?.baseAddress.map({ $0 + row * width }) else { continue }
                meanGradient /= Float(width)
                meanGradientTimesNormalized /= Float(width)
                for column in 0..<width {
                    let normalized = (line[column] - mean) * scale
                    let gradientNormalized = g[column] * (gains?[column] ?? 1)
                    target[column] +=
                        scale * (gradientNormalized - meanGradient - normalized * meanGradientTimesNormalized)
                }
            }
        }
    }
}
