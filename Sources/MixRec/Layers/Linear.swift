import Tensor

/// A trainable affine map `y = x·Wᵀ + b`.
struct Linear {
    /// `[out, in]`.
    let weight: Tensor
    /// `[out]`.
    let bias: Tensor

    /// Xavier-uniform weights (zeros when `zero`, so the map starts as the constant 0) and a zero bias.
    init(input: Int, output: Int, generator: inout RandomGenerator, zero: Bool = false) {
        let limit = (6 / Float(input + output)).squareRoot()
        self.weight =
            zero
            ? Tensor.zeros([output, input], requiresGrad: true)
            : Tensor.randomUniform([output, input], in: -limit...limit, generator: &generator, requiresGrad: true)
        self.bias = Tensor.zeros([output], requiresGrad: true)
    }

    /// - Parameter x: `[..., in]`. - Returns: `[..., out]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.linear(x, weight: self.weight, bias: self.bias)
    }

    /// `weight` and `bias`, under `prefix`.
    func register(in registry: inout ParameterRegistry, prefix: String) {
        registry.register("\(prefix).weight", self.weight)
        registry.register("\(prefix).bias", self.bias)
    }
}

/// A trainable LayerNorm (gain 1, offset 0 at the start).
struct LayerNorm {
    /// `[width]`.
    let weight: Tensor
    /// `[width]`.
    let bias: Tensor

    init(width: Int) {
        self.weight = Tensor.ones([width], requiresGrad: true)
        self.bias = Tensor.zeros([width], requiresGrad: true)
    }

    /// - Parameter x: `[..., width]`. - Returns: `[..., width]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.layerNorm(x, weight: self.weight, bias: self.bias)
    }

    /// `weight` and `bias`, under `prefix`.
    func register(in registry: inout ParameterRegistry, prefix: String) {
        registry.register("\(prefix).weight", self.weight)
        registry.register("\(prefix).bias", self.bias)
    }
}
