import Tensor

extension LlamaModel {
    /// A model with seeded random weights (norm gains near 1, other weights normal with `scale`) and no tokenizer:
    /// for tests and smoke runs of code built on the backbone, never for recommendations.
    public static func random(configuration: LlamaConfiguration, seed: UInt64, scale: Float = 0.25) -> LlamaModel {
        var generator = RandomGenerator(seed: seed)
        let weights: LlamaWeights
        do {
            weights = try LlamaWeights.load(configuration, names: .gguf) { _, shape, buffer in
                let isNorm = shape.count == 1
                for index in buffer.indices {
                    let value = generator.nextNormal()
                    buffer[index] = isNorm ? 1 + 0.1 * value : scale * value
                }
            }
        } catch {
            preconditionFailure("random weights cannot fail to load: \(error)")
        }
        return LlamaModel(configuration: configuration, weights: weights, tokenizer: nil)
    }
}
