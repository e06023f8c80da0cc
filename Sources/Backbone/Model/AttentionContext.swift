import Tensor

/// How one forward pass finds the keys and values its queries attend to, layer by layer.
protocol AttentionContext {
    var configuration: LlamaConfiguration { get }

    /// The keys and values the pass's queries attend to at `layer`, given the pass's own (RoPE-rotated) keys and
    /// values `[B, L, KV·d]`, and the mask of the pass's `L` queries over them.
    mutating func keysAndValues(layer: Int, key: Tensor, value: Tensor) -> (
        keys: Tensor, values: Tensor, mask: AttentionMask
    )
}

extension AttentionContext {
    /// Attention of the pass's queries at `layer`: `query` `[B, L, H·d]`, or with `selection` `[B, m, H·d]`
    /// holding only the rows it keeps of each batch entry; key and value `[B, L, KV·d]` are every row's.
    /// - Returns: the shape of `query`.
    mutating func attend(
        layer: Int, query: Tensor, key: Tensor, value: Tensor, selection: QueryRows? = nil
    ) -> Tensor {
        let (keys, values, mask) = self.keysAndValues(layer: layer, key: key, value: value)
        return Tensor.attention(
            query: query, key: keys, value: values, heads: self.configuration.heads,
            kvHeads: self.configuration.kvHeads,
            mask: selection.map { mask.selectingQueries($0.perBatch, queries: $0.width, keys: keys.shape[1]) } ?? mask)
    }
}

/// Attention within the pass's own tokens under a mask (dense, causal or structured).
struct MaskedAttention: AttentionContext {
    let mask: AttentionMask
    let configuration: LlamaConfiguration
    /// When set, the keys and values of every layer are kept (for span states).
    var keptKeys: [Tensor]?
    var keptValues: [Tensor]?

    mutating func keysAndValues(layer: Int, key: Tensor, value: Tensor) -> (
        keys: Tensor, values: Tensor, mask: AttentionMask
    ) {
        self.keptKeys?.append(key)
        self.keptValues?.append(value)
        return (key, value, self.mask)
    }
}
