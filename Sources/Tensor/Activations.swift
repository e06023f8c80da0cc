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
        let kernel = SwiGLUKernel(gate: UnsafePointer(gate.pointer), up: UnsafePointer(up.pointer), count: gate.count)
        kernel.forward(into: result.pointer)
        return result.record("swiglu", inputs: [gate, up]) { context in
            kernel.backward(
                outputGradient: context.outputGradientPointer, gateGradient: context.wholeGradient(ofInput: 0),
                upGradient: context.wholeGradient(ofInput: 1))
        }
    }

    /// The Llama MLP's down projection fused with its gating: `linear(swiglu(gate: gate, up: up), weight:)`.
    ///
    /// The gated activations exist only inside this call (and again inside its backward pass when the weight
    /// needs a gradient), never between the passes: a frozen projection needs only `gate` and `up` to send
    /// gradients back, which saves `rows · inFeatures` floats per block.
    /// - Parameters:
    ///   - gate: `[..., inFeatures]`.
    ///   - up: the same shape as `gate`.
    ///   - weight: `[outFeatures, inFeatures]`.
    /// - Returns: `[..., outFeatures]`.
    public static func swigluLinear(gate: Tensor, up: Tensor, weight: Tensor) -> Tensor {
        precondition(gate.shape == up.shape, "swigluLinear: gate \(gate.shape) vs up \(up.shape)")
        precondition(
            weight.rank == 2 && gate.shape.last == weight.shape[1],
            "swigluLinear: gate \(gate.shape) vs weight \(weight.shape)")
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        let rows = gate.count / max(inFeatures, 1)
        let kernel = SwiGLUKernel(gate: UnsafePointer(gate.pointer), up: UnsafePointer(up.pointer), count: gate.count)
        let product = MatrixProduct(m: rows, n: outFeatures, k: inFeatures, transposeA: false, transposeB: true)
        let result = Tensor.uninitialized(shape: Array(gate.shape.dropLast()) + [outFeatures])
        do {
            let gated = Tensor.uninitialized(shape: gate.shape)
            kernel.forward(into: gated.pointer)
            product.forward(gated.pointer, weight.pointer, result.pointer, beta: 0)
        }
        return result.record("swigluLinear", inputs: [gate, up, weight]) { context in
            let outputGradient = context.outputGradientPointer
            if let weightGradient = context.gradient(ofInput: 2)?.baseAddress {
                // dW += dYᵀ · swiglu(gate, up), with the activations recomputed.
                let gated = Tensor.uninitialized(shape: gate.shape)
                kernel.forward(into: gated.pointer)
                BLAS.parallelGemm(
                    transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                    a: outputGradient, lda: outFeatures, b: gated.pointer, ldb: inFeatures,
                    beta: 1, c: weightGradient, ldc: inFeatures)
            }
            let (gateGradient, upGradient) = (context.wholeGradient(ofInput: 0), context.wholeGradient(ofInput: 1))
            guard gateGradient != nil || upGradient != nil else { return }
            // dGated = dY · W, then through the gating.
            let gatedGradient = Tensor.uninitialized(shape: gate.shape)
            BLAS.parallelGemm(
                transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                a: outputGradient, lda: outFeatures, b: weight.pointer, ldb: inFeatures,
                beta: 0, c: gatedGradient.pointer, ldc: inFeatures)
            kernel.backward(
                outputGradient: UnsafePointer(gatedGradient.pointer), gateGradient: gateGradient,
                upGradient: upGradient)
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

    /// GELU, the exact form `x · Φ(x) = ½x(1 + erf(x/√2))`, element-wise (erf to within 1.5e-7, see
    /// ``Activation/gaussianCDF(_:)``); vectorised and split across the BLAS threads, as small models spend much
    /// of their time here.
    public func gelu() -> Tensor {
        let input = self
        let result = Tensor.uninitialized(shape: self.shape)
        let (source, destination) = (UnsafePointer(input.pointer), result.pointer)
        Parallel.forEachVector(count: self.count, costPerItem: 8) { offset, lanes in
            let x = VectorMath.load(source + offset, lanes: lanes)
            let value = x * Activation.gaussianCDF(x).cdf
            VectorMath.store(value, destination + offset, lanes: lanes, accumulate: false)
        }
        return result.record("gelu", inputs: [input]) { context in
            guard let (gradient, accumulate) = context.wholeGradient(ofInput: 0) else { return }
            let outputGradient = context.outputGradientPointer
            Parallel.forEachVector(count: input.count, costPerItem: 8) { offset, lanes in
                let x = VectorMath.load(source + offset, lanes: lanes)
                let g = VectorMath.load(outputGradient + offset, lanes: lanes)
                let (cdf, density) = Activation.gaussianCDF(x)
                VectorMath.store(g * (cdf + x * density), gradient + offset, lanes: lanes, accumulate: accumulate)
            }
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

// MARK: - SwiGLU kernel

/// The element-wise SwiGLU `silu(gate) · up` and its gradients, split over the configured threads.
struct SwiGLUKernel {
    let gate: UnsafePointer<Float>
    let up: UnsafePointer<Float>
    let count: Int

    /// destination = silu(gate) · up.
    func forward(into destination: UnsafeMutablePointer<Float>) {
        let (gate, up) = (self.gate, self.up)
        Parallel.forEachVector(count: self.count, costPerItem: 4) { offset, lanes in
            let x = VectorMath.load(gate + offset, lanes: lanes)
            let u = VectorMath.load(up + offset, lanes: lanes)
            VectorMath.store(x * VectorMath.sigmoid(x) * u, destination + offset, lanes: lanes, accumulate: false)
        }
    }

    /// Writes or adds (``BackwardContext/wholeGradient(ofInput:)``) the gradients of the gate and the up inputs
    /// (each optional) for the output gradient `g`.
    func backward(
        outputGradient: UnsafePointer<Float>, gateGradient: GradientTarget?, upGradient: GradientTarget?
    ) {
        let (gate, up) = (self.gate, self.up)
        Parallel.forEachVector(count: self.count, costPerItem: 6) { offset, lanes in
            let x = VectorMath.load(gate + offset, lanes: lanes)
            let u = VectorMath.load(up + offset, lanes: lanes)
            let g = VectorMath.load(outputGradient + offset, lanes: lanes)
            if let (target, accumulate) = gateGradient {
                let value = g * u * Activation.siluDerivative(x)
                VectorMath.store(value, target + offset, lanes: lanes, accumulate: accumulate)
            }
            if let (target, accumulate) = upGradient {
                let value = g * x * VectorMath.sigmoid(x)
                VectorMath.store(value, target + offset, lanes: lanes, accumulate: accumulate)
            }
        }
    }
}

// MARK: - Activation kernels

enum Activation {
    /// The standard normal CDF Φ(x) and density φ(x) per lane, sharing one exponential: erf by Abramowitz & Stegun
    /// 7.1.26 (absolute error below 1.5e-7).
    @inline(__always)
    static func gaussianCDF(_ x: VectorMath.Vector) -> (cdf: VectorMath.Vector, density: VectorMath.Vector) {
        typealias Vector = VectorMath.Vector
        let negative = x .< 0
        let z: Vector = x.replacing(with: -x, where: negative) * 0.707_106_77
        let t: Vector = 1 / (z * 0.327_591_1 + 1)
        let gaussian = VectorMath.exp(-z * z)
        var polynomial = Vector(repeating: 1.061_405_4)
        polynomial = polynomial * t - 1.453_152
        polynomial = polynomial * t + 1.421_413_7
        polynomial = polynomial * t - 0.284_496_74
        polynomial = polynomial * t + 0.254_829_6
        polynomial = polynomial * t
        let erf: Vector = 1 - polynomial * gaussian
        let cdf: Vector = (erf.replacing(with: -erf, where: negative) + 1) * 0.5
        return (cdf, gaussian * 0.398_942_28)
    }

    /// d silu(x)/dx = σ(x)·(1 + x·(1 − σ(x))).
    @inline(__always)
    static func siluDerivative(_ x: VectorMath.Vector) -> VectorMath.Vector {
        let s = VectorMath.sigmoid(x)
        return s * (1 + x * (1 - s))
    }
}
