import Foundation
import TestKit
import Testing

@testable import Backbone
@testable import Tensor

/// The tiny random Llama written as a GGUF file (adjacent-pair RoPE, permuted Q/K) and as a Hugging Face folder
/// (`config.json` + `model.safetensors`, HF names, half-split RoPE): both must give the same logits.
@Suite struct HuggingFaceRoundTripTests {
    let tokens = [3, 257, 40, 41, 200, 7, 99, 258]

    func writeGGUF(_ path: String, dropping dropped: String? = nil) throws {
        let c = TinyLlama.configuration
        var writer = GGUFWriter()
        writer.metadata = [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(UInt32(c.blockCount))),
            ("llama.embedding_length", .uint32(UInt32(c.width))),
            ("llama.feed_forward_length", .uint32(UInt32(c.feedForwardWidth))),
            ("llama.attention.head_count", .uint32(UInt32(c.heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(c.kvHeads))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsEpsilon)),
            ("llama.rope.freq_base", .float32(c.ropeBase)), ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(TinyLlama.vocabulary.map { .string($0) })),
            ("tokenizer.ggml.merges", .array([.string("a b"), .string("ab c")])),
            ("tokenizer.ggml.token_type", .array((0..<260).map { .int32($0 >= 258 ? 3 : 1) })),
            ("tokenizer.ggml.eos_token_id", .uint32(259)),
        ]
        for tensor in TinyLlama.randomTensors() where tensor.name != dropped {
            writer.addF32(tensor.name, shape: tensor.shape, values: tensor.values)
        }
        try writer.encoded().write(to: URL(fileURLWithPath: path))
    }

    func writeHuggingFace(_ folder: String, undoPermutation: Bool = true) throws {
        let c = TinyLlama.configuration
        let config: [String: Any] = [
            "model_type": "llama", "hidden_size": c.width, "intermediate_size": c.feedForwardWidth,
            "num_hidden_layers": c.blockCount, "num_attention_heads": c.heads, "num_key_value_heads": c.kvHeads,
            "rms_norm_eps": Double(c.rmsEpsilon), "rope_theta": Double(c.ropeBase), "vocab_size": c.vocabularySize,
            "tie_word_embeddings": true, "hidden_act": "silu", "rope_scaling": NSNull(), "eos_token_id": 259,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let ggufToHF = Dictionary(
            uniqueKeysWithValues: (0..<c.blockCount).flatMap { layer in
                TensorNames.BlockTensor.allCases.map {
                    (TensorNames.gguf.block(layer, $0), (TensorNames.huggingFace.block(layer, $0), $0))
                }
            })
        var tensors: [(name: String, tensor: Tensor)] = []
        for tensor in TinyLlama.randomTensors() {
            switch tensor.name {
            case "token_embd.weight":
                tensors.append(("model.embed_tokens.weight", Tensor(tensor.values, shape: tensor.shape)))
            case "output_norm.weight": tensors.append(("model.norm.weight", Tensor(tensor.values, shape: tensor.shape)))
            default:
                let (name, part) = try #require(ggufToHF[tensor.name])
                let heads = !undoPermutation ? 0 : part == .query ? c.heads : part == .key ? c.kvHeads : 0
                let values =
                    heads > 0 ? TinyLlama.unpermute(tensor.values, heads: heads, columns: c.width) : tensor.values
                tensors.append((name, Tensor(values, shape: tensor.shape)))
            }
        }
        try SafeTensorsFile.write(tensors, to: folder + "/model.safetensors")
    }

    func lastLogits(_ model: LlamaModel) -> [Float] {
        withoutGradients { model.logits(model.forward(model.embed([self.tokens]))).scalars }
    }

    @Test func ggufAndHuggingFaceGiveTheSameLogits() throws {
        let scratch = try ScratchFolder()
        try self.writeGGUF(scratch.path("tiny.gguf"))
        try self.writeHuggingFace(scratch.url.path)
        let gguf = try LlamaModel.load(path: scratch.path("tiny.gguf"))
        let hf = try LlamaModel.load(path: scratch.url.path)
        #expect(gguf.configuration.ropeConvention == .adjacentPairs && hf.configuration.ropeConvention == .halfSplit)
        let direct = self.lastLogits(try TinyLlama.model())
        let (a, b) = (self.lastLogits(gguf), self.lastLogits(hf))
        #expect(zip(a, direct).allSatisfy { abs($0 - $1) < 1e-5 }, "the GGUF file holds the random weights")
        #expect(zip(a, b).map { abs($0 - $1) }.max() ?? 1 < 1e-4)
        // Without undoing the permutation the HF model differs: the test is sensitive to the RoPE convention.
        let wrong = try ScratchFolder()
        try self.writeHuggingFace(wrong.url.path, undoPermutation: false)
        let unpermuted = self.lastLogits(try LlamaModel.load(path: wrong.url.path))
        #expect(zip(a, unpermuted).map { abs($0 - $1) }.max() ?? 0 > 1e-2)
        let tokenizer = try #require(gguf.tokenizer)
        #expect(tokenizer.encode("abc<|im_end|>") == [257, 259])
    }

    @Test func layerLimitKeepsTheHead() throws {
        let scratch = try ScratchFolder()
        try self.writeGGUF(scratch.path("tiny.gguf"))
        let one = try LlamaModel.load(path: scratch.path("tiny.gguf"), layers: 1)
        #expect(one.configuration.blockCount == 1 && one.weights.blocks.count == 1)
        #expect(self.lastLogits(one).count == self.tokens.count * 260)
        #expect(throws: ModelFileError.self) { try LlamaModel.load(path: scratch.path("tiny.gguf"), layers: 3) }
    }

    // MARK: - Rejected files

    @Test func missingTensorIsNamed() throws {
        let scratch = try ScratchFolder()
        try self.writeGGUF(scratch.path("tiny.gguf"), dropping: "blk.1.ffn_up.weight")
        #expect(
            throws: ModelFileError(
                file: scratch.path("tiny.gguf"), item: "blk.1.ffn_up.weight", "missing tensor (expected shape [48, 32])"
            )
        ) {
            try LlamaModel.load(path: scratch.path("tiny.gguf"))
        }
    }

    @Test func truncatedFilesOfBothFormatsAreRejected() throws {
        let scratch = try ScratchFolder()
        try self.writeGGUF(scratch.path("tiny.gguf"))
        try self.writeHuggingFace(scratch.url.path)
        for name in ["tiny.gguf", "model.safetensors"] {
            let path = scratch.path(name)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: ModelFileError.self) {
                try LlamaModel.load(path: name == "tiny.gguf" ? path : scratch.url.path)
            }
            #expect(error?.file == path)
            #expect(error?.item != nil, "the error names the tensor: \(String(describing: error))")
            #expect(error?.problem.hasPrefix("truncated") == true, "\(String(describing: error))")
        }
    }

    @Test func corruptedSafetensorsAreRejected() throws {
        let scratch = try ScratchFolder()
        let path = scratch.path("x.safetensors")
        try SafeTensorsFile.write([("w", Tensor([1, 2, 3, 4], shape: [2, 2]))], to: path)
        let good = try SafeTensorsFile(path: path)
        #expect(good.tensors["w"]?.shape == [2, 2])
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = String(decoding: data[8..<(8 + Int(data[0]))], as: UTF8.self)
        // Claim a larger shape than the data holds.
        let wrongShape = header.replacingOccurrences(of: "[2,2]", with: "[2,3]")
        data.replaceSubrange(8..<(8 + wrongShape.utf8.count), with: Data(wrongShape.utf8))
        try data.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ModelFileError.self) { try SafeTensorsFile(path: path) }
        #expect(error?.item == "w" && error?.problem.contains("F32 [2, 3] needs 24 bytes") == true)
        // A header length beyond the file.
        try Data([0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x7B]).write(to: URL(fileURLWithPath: path))
        let lengthError = #expect(throws: ModelFileError.self) { try SafeTensorsFile(path: path) }
        #expect(lengthError?.problem.contains("the header length") == true)
        // Unsupported dtype when read.
        try SafeTensorsFile.write([("w", Tensor([1, 2], shape: [2]))], to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"F32\"", with: "\"I32\"")
        bytes = Data(text.utf8)
        try bytes.write(to: URL(fileURLWithPath: path))
        var buffer = [Float](repeating: 0, count: 2)
        #expect(throws: ModelFileError(file: path, item: "w", "unsupported dtype I32 (supported: F32, F16, BF16)")) {
            try buffer.withUnsafeMutableBufferPointer {
                try SafeTensorsFile(path: path).read("w", expectedShape: [2], into: $0)
            }
        }
    }
}
