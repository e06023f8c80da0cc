import Tensor

/// The small ID-based sequential model trained jointly with the LLM (SASRec-style, pre-norm, full softmax).
///
/// Its item embeddings become the `[CF]` tokens of item spans and its sequence states are added to `[SEQ]`
/// tokens. On its own it is the strong SASRec+CE baseline.
public final class CollaborativeModel {
    /// The configuration it was built from.
    public let configuration: CollaborativeConfig
    /// The number of items (ids `0..<itemCount`).
    public let itemCount: Int
    /// The longest history it reads.
    public let maximumLength: Int
    /// `[itemCount, width]`: item embeddings, also the output projection of its scores.
    public let itemEmbeddings: Tensor
    /// Its trainable parameters.
    public private(set) var parameters = ParameterRegistry()

    private let positionEmbeddings: Tensor
    private let blocks: [CollaborativeBlock]
    private let finalNorm: LayerNorm

    /// Creates the model with small random embeddings (normal, std 0.02) and Xavier-initialised blocks.
    public init(
        configuration: CollaborativeConfig, itemCount: Int, maximumLength: Int, generator: inout RandomGenerator
    ) {
        self.configuration = configuration
        self.itemCount = itemCount
        self.maximumLength = maximumLength
        let width = configuration.width
        self.itemEmbeddings = Tensor.randomNormal(
            [itemCount, width], standardDeviation: 0.02, generator: &generator, requiresGrad: true)
        self.positionEmbeddings = Tensor.randomNormal(
            [maximumLength, width], standardDeviation: 0.02, generator: &generator, requiresGrad: true)
        self.blocks = (0..<configuration.blocks).map { _ in
            CollaborativeBlock(width: width, heads: configuration.heads, generator: &generator)
        }
        self.finalNorm = LayerNorm(width: width)
        self.parameters.register("item_embeddings", self.itemEmbeddings)
        self.parameters.register("position_embeddings", self.positionEmbeddings)
        for (index, block) in self.blocks.enumerated() {
            block.register(in: &self.parameters, prefix: "block\(index)")
        }
        self.finalNorm.register(in: &self.parameters, prefix: "final_norm")
    }

    /// The sequence states of a batch of histories, padded on the left to the longest of them.
    /// - Parameters:
    ///   - histories: item ids per user, oldest first; each at most `maximumLength` long and not empty.
    ///   - dropout: the dropout rate (0 when evaluating).
    ///   - generator: the source of dropout masks.
    /// - Returns: `[histories.count, m, width]` with `m` the longest history, right-aligned: the state after item
    ///   `t` of a history of length `n` is at position `m − n + t`; earlier positions are padding (zeros). An item's
    ///   position embedding counts back from the end of its history, so padding changes no state.
    public func states(_ histories: [[Int]], dropout: Float, generator: inout RandomGenerator) -> Tensor {
        let length = histories.map(\.count).max() ?? 0
        let width = self.configuration.width
        let firstPosition = self.maximumLength - length
        var ids: [Int] = []
        var positions: [Int] = []
        var groups: [[KeyRangeMask.Group]] = []
        for history in histories {
            precondition(
                !history.isEmpty && history.count <= self.maximumLength,
                "history length \(history.count) of \(self.maximumLength)")
            let start = length - history.count
            ids += [Int](repeating: 0, count: start) + history
            positions += Array(firstPosition..<self.maximumLength)
            groups.append([KeyRangeMask.Group(queryRows: start..<length, keyRanges: [start..<length], causalOffset: 0)])
        }
        let padding = Tensor(Self.paddingMask(histories, length: length, width: width), shape: [ids.count, width])
        var hidden =
            (Tensor.embedding(ids, table: self.itemEmbeddings)
                + Tensor.embedding(positions, table: self.positionEmbeddings))
            * padding
        hidden = hidden.dropout(rate: dropout, generator: &generator).reshaped([histories.count, length, width])
        let mask = AttentionMask.keyRanges(KeyRangeMask(perBatch: groups))
        for block in self.blocks {
            hidden = block(hidden, mask: mask, dropout: dropout, generator: &generator)
        }
        return self.finalNorm(hidden) * padding.reshaped([histories.count, length, width])
    }

    /// Row indices into the flattened `[counts.count · length, width]` states of ``states(_:dropout:generator:)``
    /// (`length` their second dimension): the last `counts[u]` positions of each history `u`, oldest first.
    public static func rows(lastPositions counts: [Int], length: Int) -> [Int] {
        counts.enumerated().flatMap { user, count in
            ((length - count)..<length).map { user * length + $0 }
        }
    }

    /// The summed next-item cross-entropy of `states` (from ``states(_:dropout:generator:)``) against `targets`,
    /// where `targets[u][t]` follows item `t` of the last `targets[u].count` items of history `u`.
    public func nextItemLoss(states: Tensor, targets: [[Int]]) -> Tensor {
        let rows = states.reshaped([targets.count * states.shape[1], self.configuration.width])
            .gather(rows: Self.rows(lastPositions: targets.map(\.count), length: states.shape[1]))
        return Tensor.crossEntropy(logits: self.scores(rows), targets: targets.flatMap { $0 }, reduction: .sum)
    }

    /// Scores of every item for each state row: `states · itemEmbeddingsᵀ`.
    /// - Parameter states: `[rows, width]`. - Returns: `[rows, itemCount]`.
    public func scores(_ states: Tensor) -> Tensor {
        Tensor.matmul(states, self.itemEmbeddings, transposeB: true)
    }

    /// 1 at real positions and 0 at padding, per row and column of the flattened `[batch · length, width]` states.
    private static func paddingMask(_ histories: [[Int]], length: Int, width: Int) -> [Float] {
        var mask = [Float](repeating: 0, count: histories.count * length * width)
        for (row, history) in histories.enumerated() {
            let start = (row * length + length - history.count) * width
            for index in start..<((row + 1) * length * width) {
                mask[index] = 1
            }
        }
        return mask
    }
}

// MARK: - Block

/// One pre-norm transformer block: `x + Attn(LN(x))`, then `x + FFN(LN(x))` with a GELU FFN of width 4d.
struct CollaborativeBlock {
    let heads: Int
    let attentionNorm: LayerNorm
    let query: Linear
    let key: Linear
    let value: Linear
    let output: Linear
    let feedForwardNorm: LayerNorm
    let expand: Linear
    let contract: Linear

    init(width: Int, heads: Int, generator: inout RandomGenerator) {
        self.heads = heads
        self.attentionNorm = LayerNorm(width: width)
        self.query = Linear(input: width, output: width, generator: &generator)
        self.key = Linear(input: width, output: width, generator: &generator)
        self.value = Linear(input: width, output: width, generator: &generator)
        self.output = Linear(input: width, output: width, generator: &generator)
        self.feedForwardNorm = LayerNorm(width: width)
        self.expand = Linear(input: width, output: 4 * width, generator: &generator)
        self.contract = Linear(input: 4 * width, output: width, generator: &generator)
    }

    /// - Parameter x: `[batch, length, width]`. - Returns: the same shape.
    func callAsFunction(_ x: Tensor, mask: AttentionMask, dropout: Float, generator: inout RandomGenerator) -> Tensor {
        let normed = self.attentionNorm(x)
        let attended = Tensor.attention(
            query: self.query(normed), key: self.key(normed), value: self.value(normed), heads: self.heads,
            kvHeads: self.heads, mask: mask)
        var hidden = x + self.output(attended).dropout(rate: dropout, generator: &generator)
        let expanded = self.expand(self.feedForwardNorm(hidden)).gelu().dropout(rate: dropout, generator: &generator)
        hidden = hidden + self.contract(expanded).dropout(rate: dropout, generator: &generator)
        return hidden
    }

    func register(in registry: inout ParameterRegistry, prefix: String) {
        self.attentionNorm.register(in: &registry, prefix: "\(prefix).attention_norm")
        self.query.register(in: &registry, prefix: "\(prefix).query")
        self.key.register(in: &registry, prefix: "\(prefix).key")
        self.value.register(in: &registry, prefix: "\(prefix).value")
        self.output.register(in: &registry, prefix: "\(prefix).output")
        self.feedForwardNorm.register(in: &registry, prefix: "\(prefix).feed_forward_norm")
        self.expand.register(in: &registry, prefix: "\(prefix).expand")
        self.contract.register(in: &registry, prefix: "\(prefix).contract")
    }
}
