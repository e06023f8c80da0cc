import Tensor

/// The frozen weights of one Llama block, PyTorch layout (`[out, in]` matrices, `y = x · Wᵀ`).
public struct BlockWeights {
    /// RMSNorm scale before attention, `[D]`.
    public let attentionNorm: Tensor
    /// `[H·d, D]`, `[KV·d, D]`, `[KV·d, D]`, `[D, H·d]`.
    public let query, key, value, output: Tensor
    /// RMSNorm scale before the MLP, `[D]`.
    public let feedForwardNorm: Tensor
    /// `[F, D]`, `[F, D]`, `[D, F]`.
    public let gate, up, down: Tensor
}

/// Every weight of a Llama model, dequantised once to Float32 (one copy in memory).
public struct LlamaWeights {
    /// The token embedding table `[V, D]` (also the output head when tied).
    public let embedding: Tensor
    /// The final RMSNorm scale `[D]`.
    public let outputNorm: Tensor
    /// The output head `[V, D]`; the embedding table when tied.
    public let head: Tensor
    /// The blocks in order.
    public let blocks: [BlockWeights]
}

// MARK: - Loading

/// The names of a checkpoint's tensors in one naming scheme.
struct TensorNames: Sendable {
    let embedding: String
    let outputNorm: String
    let head: String
    let block: @Sendable (Int, BlockTensor) -> String

    /// The parts of a block.
    enum BlockTensor: CaseIterable {
        case attentionNorm, query, key, value, output, feedForwardNorm, gate, up, down
    }

    /// llama.cpp's GGUF names (`blk.0.attn_q.weight`, …).
    static let gguf = TensorNames(
        embedding: "token_embd.weight", outputNorm: "output_norm.weight", head: "output.weight"
    ) { layer, part in
        let name =
            switch part {
            case .attentionNorm: "attn_norm"
            case .query: "attn_q"
            case .key: "attn_k"
            case .value: "attn_v"
            case .output: "attn_output"
            case .feedForwardNorm: "ffn_norm"
            case .gate: "ffn_gate"
            case .up: "ffn_up"
            case .down: "ffn_down"
            }
        return "blk.\(layer).\(name).weight"
    }

    /// Hugging Face transformers' Llama names (`model.layers.0.self_attn.q_proj.weight`, …).
    static let huggingFace = TensorNames(
        embedding: "model.embed_tokens.weight", outputNorm: "model.norm.weight", head: "lm_head.weight"
    ) { layer, part in
        let name =
            switch part {
            case .attentionNorm: "input_layernorm"
            case .query: "self_attn.q_proj"
            case .key: "self_attn.k_proj"
            case .value: "self_attn.v_proj"
            case .output: "self_attn.o_proj"
            case .feedForwardNorm: "post_attention_layernorm"
            case .gate: "mlp.gate_proj"
            case .up: "mlp.up_proj"
            case .down: "mlp.down_proj"
            }
        return "model.layers.\(layer).\(name).weight"
    }
}

extension BlockWeights {
    /// The row-major shape of each part for `configuration`.
    static func shape(of part: TensorNames.BlockTensor, _ c: LlamaConfiguration) -> [Int] {
        switch part {
        case .attentionNorm, .feedForwardNorm: [c.width]
        case .query: [c.queryWidth, c.width]
        case .key, .value: [c.keyWidth, c.width]
        case .output: [c.width, c.queryWidth]
        case .gate, .up: [c.feedForwardWidth, c.width]
        case .down: [c.width, c.feedForwardWidth]
        }
    }
}

extension LlamaWeights {
    /// Reads every weight through `read(name, shape, destination)`, dequantising straight into tensor storage.
    static func load(
        _ configuration: LlamaConfiguration, names: TensorNames,
        read: (String, [Int], UnsafeMutableBufferPointer<Float>) throws(ModelFileError) -> Void
    ) throws(ModelFileError) -> LlamaWeights {
        func tensor(_ name: String, _ shape: [Int]) throws(ModelFileError) -> Tensor {
            let result = Tensor.uninitialized(shape: shape)
            let outcome = result.withUnsafeMutableBufferPointer { buffer in
                Result { () throws(ModelFileError) in try read(name, shape, buffer) }
            }
            try outcome.get()
            return result
        }
        let c = configuration
        let embedding = try tensor(names.embedding, [c.vocabularySize, c.width])
        let outputNorm = try tensor(names.outputNorm, [c.width])
        let head = c.tiedEmbeddings ? embedding : try tensor(names.head, [c.vocabularySize, c.width])
        var blocks: [BlockWeights] = []
        for layer in 0..<c.blockCount {
            var parts: [TensorNames.BlockTensor: Tensor] = [:]
            for part in TensorNames.BlockTensor.allCases {
                parts[part] = try tensor(names.block(layer, part), BlockWeights.shape(of: part, c))
            }
            func part(_ p: TensorNames.BlockTensor) -> Tensor { parts[p] ?? embedding }
            blocks.append(
                BlockWeights(
                    attentionNorm: part(.attentionNorm), query: part(.query), key: part(.key), value: part(.value),
                    output: part(.output), feedForwardNorm: part(.feedForwardNorm), gate: part(.gate), up: part(.up),
                    down: part(.down)))
        }
        return LlamaWeights(embedding: embedding, outputNorm: outputNorm, head: head, blocks: blocks)
    }
}
