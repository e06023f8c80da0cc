import Foundation

// MARK: - Activations

extension Tensor {
    /// SiLU (swish): `x · σ(x)`, element-wise.
    public func silu() -> Tensor {
        let input = self
        let result = Tensor.uninitialized(shape: self.shape)
        let (source, destination) = (UnsafePointer(input.pointer), result.pointer)
        VectorMath.forEachVector(count: self.count) { offset, lanes in
            let x = VectorMath.load(source + offset, lanes: lanes)
            VectorMath.store(x * VectorMath.sigmoid(x), destination + offset, lanes: lanes, accumulate: false)
        }
        return result.record("silu", inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            let outputGradient = context.outputGradientPointer
            VectorMath.forEachVector(count: input.count) { offset, lanes in
                let x = VectorMath.load(source + offset, lanes: lanes)
                let g = VectorMath.load(outputGradient + offset, lanes: lanes)
                let value = g * Activation.siluDerivative(x)
                VectorMath.store(value, gradient + offset, lanes: lanes, accumulate: true)
            }
        }
    }

    /// SwiGLU, fused: `silu(gate) · up`, element-wise (the Llama MLP's gating).
    /// - Parameters:
    ///   - gate: any shape.
    ///   - up: the same shape as `gate`.
    public static func swiglu(gate: Tensor, up: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "swiglu: gate \(gate.shape) vs up \(up.shape)")
        let result = Tensor.uninitialized(shape: gate.shape)
        let (gateValues, upValues, destination) = (
            UnsafePointer(gate.pointer), UnsafePointer(up.pointer), result.pointer
        )
        let count = gate.count
        Parallel.forEachChunk(count / 16 + 1, costPerItem: 64) { chunks in
            let end = min(count, chunks.upperBound * 16)
            VectorMath.forEachVector(count: max(0, end - chunks.lowerBound * 16)) { relative, lanes in
                let offset = chunks.lowerBound * 16 + relative
                let x = VectorMath.load(gateValues + offset, lanes: lanes)
                let u = VectorMath.load(upValues + offset, lanes: lanes)
                VectorMath.store(x * VectorMath.sigmoid(x) * u, destination + offset, lanes: lanes, accumulate: false)
            }
        }
        return result.record("swiglu", inputs: [gate, up]) { context in
            let outputGradient = context.outputGradientPointer
            let gateGradient = context.gradient(ofInput: 0)?.baseAddress
            let upGradient = context.gradient(ofInput: 1)?.baseAddress
            Parallel.forEachChunk(count / 16 + 1, costPerItem: 96) { chunks in
                let end = min(count, chunks.upperBound * 16)
                VectorMath.forEachVector(count: max(0, end - chunks.lowerBound * 16)) { relative, lanes in
                    let offset = chunks.lowerBound * 16 + relative
                    let x = VectorMath.load(gateValues + offset, lanes: lanes)
                    let u = VectorMath.load(upValues + offset, lanes: lanes)
                    let g = VectorMath.load(outputGradient + offset, lanes: lanes)
                    if let gateGradient {
                        let value = g * u * Activation.siluDerivative(x)
                        VectorMath.store(value, gateGradient + offset, lanes: lanes, accumulate: true)
                    }
                    if let upGradient {
                        let value = g * x * VectorMath.sigmoid(x)
                        VectorMath.store(value, upGradient + offset, lanes: lanes, accumulate: true)
                    }
                }
            }
        }
    }

    /// The logistic sigmoid `1 / (1 + e⁻ˣ)`, element-wise.
    public func sigmoid() -> Tensor {
        self.unary("sigmoid") { x in
            1 / (1 + Foundation.exp(-x))
        } derivative: { _, y in
            y * (1 - y)
        }
    }

    /// ReLU: `max(x, 0)`, element-wise.
    public func relu() -> Tensor {
        self.unary("relu") { x in
            max(x, 0)
        } derivative: { x, _ in
            x > 0 ? 1 : 0
        }
    }

    /// Hyperbolic tangent, element-wise.
    public func tanh() -> Tensor {
        self.unary("tanh") { x in
            Foundation.tanh(x)
        } derivative: { _, y in
            1 - y * y
        }
    }

    /// GELU, the exact form `x · Φ(x) = ½x(1 + erf(x/√2))`, element-wise.
    public func gelu() -> Tensor {
        self.unary("gelu") { x in
            0.5 * x * (1 + Foundation.erf(x * 0.707_106_77))
        } derivative: { x, _ in
            let cdf = 0.5 * (1 + Foundation.erf(x * 0.707_106_77))
            let density = Foundation.exp(-0.5 * x * x) * 0.398_942_28
            return cdf + x * density
        }
    }

    /// An element-wise op from its scalar function and derivative `(x, y) -> dy/dx`.
    private func unary(
        _ name: String, _ function: @escaping (Float) -> Float, derivative: @escaping (Float, Float) -> Float
    ) -> Tensor {
        let input = self
        let count = self.count
        let result = Tensor.uninitialized(shape: self.shape)
        let (source, destination) = (input.pointer, result.pointer)
        for index in 0..<count {
            destination[index] = function(source[index])
        }
        return result.record(name, inputs: [input]) { context in
            guard let gradient = context.gradient(ofInput: 0) else { return }
            let (outputGradient, output) = (context.outputGradientPointer, context.output.pointer)
            for index in 0..<count {
                gradient[index] += outputGradient[index] * derivative(source[index], output[index])
            }
        }
    }
}

// MARK: - Derivatives

enum Activation {
    /// d silu(x)/dx = σ(x)·(1 + x·(1 − σ(x))).
    @inline(__always)
    static func siluDerivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let s = VectorMath.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
}
