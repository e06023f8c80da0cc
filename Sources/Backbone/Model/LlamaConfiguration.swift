import Tensor

/// The shape of a Llama-family decoder (SmolLM2-135M: width 576, 30 blocks, 9 heads, 3 KV heads, MLP 1536).
public struct LlamaConfiguration: Sendable, Equatable {
    /// Tokens in the vocabulary (rows of the embedding table).
    public var vocabularySize: Int
    /// The residual-stream width `D`.
    public var width: Int
    /// The SwiGLU hidden width `F`.
    public var feedForwardWidth: Int
    /// Transformer blocks in use (the first `blockCount` of the checkpoint).
    public var blockCount: Int
    /// Query heads `H`.
    public var heads: Int
    /// Key/value heads (grouped-query attention; divides `heads`).
    public var kvHeads: Int
    /// Width of one head.
    public var headDim: Int
    /// RMSNorm epsilon.
    public var rmsEpsilon: Float
    /// RoPE frequency base θ.
    public var ropeBase: Float
    /// How RoPE pairs elements: `.adjacentPairs` for GGUF's permuted Q/K, `.halfSplit` for Hugging Face weights.
    public var ropeConvention: RoPEConvention
    /// Whether the output head is the transposed embedding table.
    public var tiedEmbeddings: Bool

    public init(
        vocabularySize: Int, width: Int, feedForwardWidth: Int, blockCount: Int, heads: Int, kvHeads: Int,
        headDim: Int? = nil, rmsEpsilon: Float = 1e-5, ropeBase: Float = 10_000,
        ropeConvention: RoPEConvention = .adjacentPairs, tiedEmbeddings: Bool = true
    ) {
        self.vocabularySize = vocabularySize
        self.width = width
        self.feedForwardWidth = feedForwardWidth
        self.blockCount = blockCount
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim ?? width / heads
        self.rmsEpsilon = rmsEpsilon
        self.ropeBase = ropeBase
        self.ropeConvention = ropeConvention
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Width of the query projection, `heads · headDim`.
    public var queryWidth: Int { self.heads * self.headDim }
    /// Width of the key and value projections, `kvHeads · headDim`.
    public var keyWidth: Int { self.kvHeads * self.headDim }

    /// Whether the numbers are consistent; the reason when not.
    func problem() -> String? {
        let positive = [
            self.vocabularySize, self.width, self.feedForwardWidth, self.blockCount, self.heads, self.kvHeads,
        ]
        if positive.contains(where: { $0 <= 0 }) { return "sizes must be positive: \(self)" }
        if self.heads % self.kvHeads != 0 { return "\(self.heads) heads is not a multiple of \(self.kvHeads) KV heads" }
        if self.headDim <= 0 || self.headDim % 2 != 0 { return "head width \(self.headDim) must be even" }
        return nil
    }
}
