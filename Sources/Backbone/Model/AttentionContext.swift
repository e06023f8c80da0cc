import Tensor

/// How one forward pass finds the keys and values its queries attend to, layer by layer.
protocol AttentionContext {
    /// Attention of the pass's queries at `layer`, given the pass's own (RoPE-rotated) keys and values.
    /// - Parameters: query `[B, L, H·d]`, key and value `[B, L, KV·d]`.
    /// - Returns: `[B, L, H·d]`.
    mutating func attend(layer: Int, query: Tensor, key: Tensor, value: Tensor) -> Tensor
}

/// Attention within the pass's own tokens under a mask (dense, causal or structured).
struct MaskedAttention: AttentionContext {
    let mask: AttentionMask
    let configuration: LlamaConfiguration
    /// When set, the keys and values of every layer are kept (for span states).
    var keptKeys: [Tensor]?
    var keptValues: [Tensor]?

    mutating func attend(layer: Int, query: Tensor, key: Tensor, value: Tensor) -> Tensor {
        self.keptKeys?.append(key)
        self.keptValues?.append(value)
        return Tensor.attention(
            query: query, key: key, value: value, heads: self.configuration.heads, kvHeads: self.configuration.kvHeads,
            mask: self.mask)
    }
}
