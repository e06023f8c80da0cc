import Testing

@testable import Backbone
@testable import Tensor

/// Finite-difference checks of gradients through the frozen tiny Llama, to the inputs and to inserted LoRA and
/// bottleneck adapters, under a causal and a span mask.
///
/// Tolerance: central differences in Float32 with step 1e-2 on a loss of size ~10 carry a truncation error of
/// order step² · f''' (~1e-4 here) and a rounding error of order 1e-7 · |loss| / step (~1e-4); we allow
/// 2e-3 + 2 % of the derivative.
@Suite struct GradientTests {
    static func mask(_ index: Int) -> (String, AttentionMask) {
        let span = SpanLayout([.span(length: 3), .global(length: 1), .span(length: 2), .global(length: 1)])
        return index == 0 ? ("causal", .causal(offset: 0)) : ("span", SpanLayout.mask([span]))
    }

    @Test(arguments: [0, 1])
    func inputAndAdapterGradientsMatchFiniteDifferences(maskIndex: Int) throws {
        let (name, mask) = Self.mask(maskIndex)
        let model = try TinyLlama.model()
        let adapters = TestAdapters(configuration: model.configuration, seed: 9)
        var generator = RandomGenerator(seed: 21)
        let input = Tensor.randomNormal([1, 7, model.configuration.width], generator: &generator, requiresGrad: true)
        let projection = Tensor.randomNormal([1, 7, model.configuration.width], generator: &generator)
        func loss() -> Tensor { (model.forward(input, mask: mask, hook: adapters.hook) * projection).sum() }
        loss().backward()

        let checked: [(String, Tensor)] =
            [("input", input)]
            + [HookPoint.queryProjection, .valueProjection].flatMap { point in
                (0..<2).flatMap { layer -> [(String, Tensor)] in
                    let site = HookSite(layer: layer, point: point)
                    return [("LoRA A \(site)", adapters.loraA[site]!), ("LoRA B \(site)", adapters.loraB[site]!)]
                }
            }
            + [HookPoint.attentionOutput, .mlpOutput].flatMap { point in
                (0..<2).flatMap { layer -> [(String, Tensor)] in
                    let site = HookSite(layer: layer, point: point)
                    return [("down \(site)", adapters.down[site]!), ("up \(site)", adapters.up[site]!)]
                }
            }
        let value = { withoutGradients { loss().item } }
        for (label, tensor) in checked {
            let gradient = try #require(tensor.grad, "\(label) got no gradient").scalars
            #expect(gradient.contains { $0 != 0 }, "\(label): gradient is zero")
            for index in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 5)) {
                let numeric = FiniteDifference.derivative(of: value, at: index, of: tensor)
                #expect(
                    abs(gradient[index] - numeric) <= 2e-3 + 0.02 * abs(numeric),
                    "\(name) mask, \(label)[\(index)]: analytic \(gradient[index]), numeric \(numeric)")
            }
        }
    }

    @Test func weightsStayFrozen() throws {
        let model = try TinyLlama.model()
        let input = model.embed([[1, 2, 3]])
        input.requiresGrad = true
        model.forward(input).sum().backward()
        #expect(input.grad != nil)
        #expect(model.weights.embedding.grad == nil && model.weights.blocks[0].query.grad == nil)
        #expect(!model.weights.blocks.contains { $0.down.requiresGrad })
    }
}
