import Foundation

// MARK: - AdamW

/// Adam with decoupled weight decay (Loshchilov & Hutter): for each parameter with a gradient,
/// `p ← p − lr·λ·p`, then `p ← p − lr · m̂ / (√v̂ + ε)` with bias-corrected moments.
public final class AdamW {
    /// Hyper-parameters.
    public struct Configuration: Sendable {
        /// The step size.
        public var learningRate: Float
        /// Decay of the first moment.
        public var beta1: Float
        /// Decay of the second moment.
        public var beta2: Float
        /// Added to √v̂.
        public var epsilon: Float
        /// The decoupled weight decay λ (multiplied by the learning rate).
        public var weightDecay: Float

        /// Defaults as in PyTorch's `AdamW`.
        public init(
            learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
            weightDecay: Float = 0.01
        ) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    /// The parameters it updates.
    public let parameters: [Tensor]
    /// The hyper-parameters; the learning rate may change between steps (schedules).
    public var configuration: Configuration
    /// One factor per parameter on the learning rate (1 by default; 0 freezes that parameter, decay included).
    public var rateScales: [Float]
    /// Steps taken so far.
    public internal(set) var step = 0
    var firstMoments: [Tensor]
    var secondMoments: [Tensor]

    /// An optimiser for `parameters` (their moments start at zero).
    public init(parameters: [Tensor], configuration: Configuration = Configuration()) {
        self.parameters = parameters
        self.configuration = configuration
        self.rateScales = [Float](repeating: 1, count: parameters.count)
        self.firstMoments = parameters.map { Tensor.zeros($0.shape) }
        self.secondMoments = parameters.map { Tensor.zeros($0.shape) }
    }

    /// Updates every parameter that has a gradient and a non-zero rate scale; the others are left as they are.
    public func update() {
        precondition(self.rateScales.count == self.parameters.count, "one rate scale per parameter")
        self.step += 1
        let c = self.configuration
        let correction1 = 1 - Foundation.pow(c.beta1, Float(self.step))
        let correction2 = 1 - Foundation.pow(c.beta2, Float(self.step))
        for (index, parameter) in self.parameters.enumerated() {
            let rate = c.learningRate * self.rateScales[index]
            guard let grad = parameter.grad, rate != 0 else { continue }
            let decay = 1 - rate * c.weightDecay
            let (p, g) = (parameter.pointer, UnsafePointer(grad.pointer))
            let (m, v) = (self.firstMoments[index].pointer, self.secondMoments[index].pointer)
            for element in 0..<parameter.count {
                m[element] = c.beta1 * m[element] + (1 - c.beta1) * g[element]
                v[element] = c.beta2 * v[element] + (1 - c.beta2) * g[element] * g[element]
                let mHat = m[element] / correction1
                let vHat = v[element] / correction2
                p[element] = p[element] * decay - rate * mHat / (vHat.squareRoot() + c.epsilon)
            }
        }
    }

    /// Drops every parameter's gradient (call after `update()`).
    public func zeroGradients() {
        for parameter in self.parameters {
            parameter.zeroGrad()
        }
    }
}

// MARK: - Gradient clipping

/// Scales all gradients down so that their global L2 norm is at most `maxNorm`.
/// - Returns: the global norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var squares: Double = 0
    for parameter in parameters {
        guard let grad = parameter.grad else { continue }
        squares += Double(VectorMath.dot(grad.pointer, grad.pointer, count: grad.count))
    }
    let norm = Float(squares.squareRoot())
    guard norm > maxNorm, norm > 0 else { return norm }
    let factor = maxNorm / norm
    for parameter in parameters {
        guard let grad = parameter.grad else { continue }
        VectorMath.scale(grad.pointer, count: grad.count, by: factor)
    }
    return norm
}
