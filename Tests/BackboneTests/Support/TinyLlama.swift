import Foundation

@testable import Backbone
@testable import Tensor

/// A tiny random Llama (2 blocks, width 32, 4 heads over 2 KV heads, MLP 48, vocabulary 260) for exact tests.
enum TinyLlama {
    static let configuration = LlamaConfiguration(
        vocabularySize: 260, width: 32, feedForwardWidth: 48, blockCount: 2, heads: 4, kvHeads: 2, rmsEpsilon: 1e-5,
        ropeBase: 10_000, ropeConvention: .adjacentPairs, tiedEmbeddings: true)

    /// Random weights in GGUF layout, keyed by GGUF tensor name.
    static func randomTensors(seed: UInt64 = 7) -> [(name: String, shape: [Int], values: [Float])] {
        var generator = RandomGenerator(seed: seed)
        let c = Self.configuration
        func random(_ shape: [Int], scale: Float) -> [Float] {
            (0..<shape.reduce(1, *)).map { _ in scale * generator.nextNormal() }
        }
        var tensors: [(String, [Int], [Float])] = [
            ("token_embd.weight", [c.vocabularySize, c.width], random([c.vocabularySize, c.width], scale: 0.5)),
            ("output_norm.weight", [c.width], random([c.width], scale: 0.1).map { 1 + $0 }),
        ]
        for layer in 0..<c.blockCount {
            for part in TensorNames.BlockTensor.allCases {
                let shape = BlockWeights.shape(of: part, c)
                let isNorm = shape.count == 1
                let values = random(shape, scale: isNorm ? 0.1 : 0.25).map { isNorm ? 1 + $0 : $0 }
                tensors.append((TensorNames.gguf.block(layer, part), shape, values))
            }
        }
        return tensors
    }

    /// The model built directly from `randomTensors` (no file).
    static func model(seed: UInt64 = 7) throws -> LlamaModel {
        let tensors = Dictionary(uniqueKeysWithValues: Self.randomTensors(seed: seed).map { ($0.name, $0.values) })
        let weights = try LlamaWeights.load(Self.configuration, names: .gguf) {
            (name, _, buffer) throws(ModelFileError) in
            guard let values = tensors[name] else { throw ModelFileError(file: "tiny", item: name, "missing") }
            _ = buffer.update(fromContentsOf: values)
        }
        return LlamaModel(configuration: Self.configuration, weights: weights, tokenizer: nil)
    }

    /// A byte-level vocabulary of 256 byte tokens, two merges and the two ChatML tokens (260 in all).
    static var vocabulary: [String] {
        ByteLevelMapping.scalarForByte.map { String(Character($0)) } + ["ab", "abc", "<|im_start|>", "<|im_end|>"]
    }

    /// Moves GGUF's adjacent-pair Q/K rows back to Hugging Face's half-split order, per head:
    /// HF row `h·d + j·d/2 + i` is GGUF row `h·d + 2i + j`.
    static func unpermute(_ values: [Float], heads: Int, columns: Int) -> [Float] {
        let rows = values.count / columns
        let headDim = rows / heads
        var result = values
        for head in 0..<heads {
            for i in 0..<(headDim / 2) {
                for j in 0..<2 {
                    let (hf, gguf) = (head * headDim + j * headDim / 2 + i, head * headDim + 2 * i + j)
                    for column in 0..<columns { result[hf * columns + column] = values[gguf * columns + column] }
                }
            }
        }
        return result
    }
}

/// Finite-difference helpers.
enum FiniteDifference {
    /// Central difference of `loss` with respect to element `index` of `tensor`.
    static func derivative(of loss: () -> Float, at index: Int, of tensor: Tensor, step: Float = 1e-2) -> Float {
        let original = tensor.scalars[index]
        tensor.withUnsafeMutableBufferPointer { $0[index] = original + step }
        let plus = loss()
        tensor.withUnsafeMutableBufferPointer { $0[index] = original - step }
        let minus = loss()
        tensor.withUnsafeMutableBufferPointer { $0[index] = original }
        return (plus - minus) / (2 * step)
    }
}
