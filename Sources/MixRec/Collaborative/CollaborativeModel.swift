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
    /// `[F, width]` (with `item_text`): projects each item's text features into its item vector.
    private let textProjection: Tensor?
    /// `[itemCount, F]` frozen text features of the items, once ``useTextFeatures(_:)`` has set them.
    private(set) var textFeatures: Tensor?

    /// Creates the model with small random embeddings (normal, std 0.02) and Xavier-initialised blocks.
    /// - Parameter textWidth: the width F of the items' text features when `configuration.itemText` is on.
    public init(
        configuration: CollaborativeConfig, itemCount: Int, maximumLength: Int, textWidth: Int? = nil,
        generator: inout RandomGenerator
    ) {
        precondition(!configuration.itemText || textWidth != nil, "item_text needs the text features' width")
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
        self.textProjection = textWidth.flatMap { textWidth in
            // Unit-norm features through N(0, 0.02²) weights give item vectors on the embeddings' scale.
            configuration.itemText
                ? Tensor.randomNormal(
                    [textWidth, width], standardDeviation: 0.02, generator: &generator, requiresGrad: true) : nil
        }
        self.parameters.register("item_embeddings", self.itemEmbeddings)
        self.parameters.register("position_embeddings", self.positionEmbeddings)
        for (index, block) in self.blocks.enumerated() {
            block.register(in: &self.parameters, prefix: "block\(index)")
        }
        self.finalNorm.register(in: &self.parameters, prefix: "final_norm")
        if let projection = self.textProjection { self.parameters.register("text_projection", projection) }
    }

    /// Gives the model every item's frozen text features (`[itemCount, F]`, each row of unit norm), which
    /// `item_text` adds to the item vectors through a learnt projection.
    public func useTextFeatures(_ features: Tensor) {
        precondition(features.shape == [self.itemCount, self.textProjection?.shape[0] ?? -1], "text features shape")
        self.textFeatures = features
    }

    /// `[itemCount, width]`: the vectors that represent items at the input and score them at the output: the ID
    /// embeddings, plus the projected text features with `item_text`.
    public func itemVectors() -> Tensor {
        self.textFeatures.map(self.itemVectors(textFeatures:)) ?? self.itemEmbeddings
    }

    /// ``itemVectors()`` with `features` (`[itemCount, F]`) in place of the frozen text features.
    func itemVectors(textFeatures features: Tensor) -> Tensor {
        self.projectedText(features).map { self.itemEmbeddings + $0 } ?? self.itemEmbeddings
    }

    /// `[n, width]`: text features `[n, F]` through the learnt projection; nil without `item_text`.
    func projectedText(_ features: Tensor) -> Tensor? {
        self.textProjection.map { Tensor.matmul(features, $0) }
    }

    /// ``itemVectors()`` for a training pass that drops ID embeddings (`id_dropout`): each item's ID embedding is
    /// left out with that probability, so the item is its projected text alone, as an item training never saw is.
    /// Without `id_dropout` (or without text features), ``itemVectors()``.
    func itemVectorsDroppingIdentities(generator: inout RandomGenerator) -> Tensor {
        let rate = Float(self.configuration.idDropout)
        guard rate > 0, let text = self.textFeatures.flatMap(self.projectedText) else { return self.itemVectors() }
        let kept = (0..<self.itemCount).map { _ in generator.nextUniform() < rate ? Float(0) : 1 }
        return self.itemEmbeddings * Tensor(kept, shape: [self.itemCount, 1]) + text
    }

    /// Sets the ID embeddings of `items` to zero: items training never sees (cold items) are their projected
    /// text alone, as a new item would be, instead of their random initial embeddings.
    public func clearIdentities(of items: [Int]) {
        let width = self.configuration.width
        self.itemEmbeddings.withUnsafeMutableBufferPointer { embeddings in
            for item in items { embeddings[(item * width)..<((item + 1) * width)].update(repeating: 0) }
        }
    }

    /// The sequence states of a batch of histories, packed into lanes so that short histories share rows.
    /// - Parameters:
    ///   - histories: item ids per user, oldest first; each at most `maximumLength` long and not empty.
    ///   - items: ``itemVectors()`` when the caller already has them (evaluation reuses them across batches).
    ///   - training: whether the configured dropout is on (off when evaluating).
    ///   - dropsIdentities: whether `id_dropout` acts on the item vectors (when `items` is nil): in the passes where
    ///     the collaborative model learns.
    ///   - generator: the source of dropout masks.
    /// - Returns: the states and where each history's are. Every history attends causally within itself only and
    ///   its items' position embeddings count back from its end, so packing changes no state.
    public func states(
        _ histories: [[Int]], items: Tensor? = nil, training: Bool, dropsIdentities: Bool = false,
        generator: inout RandomGenerator
    ) -> CollaborativeStates {
        let dropout = training ? Float(self.configuration.dropout) : 0
        let attentionDropout = training ? Float(self.configuration.attentionDropout) : 0
        let width = self.configuration.width
        let lengths = histories.map(\.count)
        let layout = LaneLayout(lengths: lengths)
        let rowCount = layout.lanes * layout.laneLength
        var ids = [Int](repeating: 0, count: rowCount)
        var positions = [Int](repeating: 0, count: rowCount)
        var occupied = [Float](repeating: 0, count: rowCount * width)
        var groups = [[KeyRangeMask.Group]](repeating: [], count: layout.lanes)
        for (index, history) in histories.enumerated() {
            precondition(
                !history.isEmpty && history.count <= self.maximumLength,
                "history length \(history.count) of \(self.maximumLength)")
            let (lane, offset) = layout.slots[index]
            let start = lane * layout.laneLength + offset
            for (position, item) in history.enumerated() {
                ids[start + position] = item
                positions[start + position] = self.maximumLength - history.count + position
            }
            for element in (start * width)..<((start + history.count) * width) { occupied[element] = 1 }
            let rows = offset..<(offset + history.count)
            groups[lane].append(KeyRangeMask.Group(queryRows: rows, keyRanges: [rows], causalOffset: 0))
        }
        let mask = Tensor(occupied, shape: [rowCount, width])
        let items =
            items
            ?? (training && dropsIdentities
                ? self.itemVectorsDroppingIdentities(generator: &generator) : self.itemVectors())
        var hidden =
            (Tensor.embedding(ids, table: items)
                + Tensor.embedding(positions, table: self.positionEmbeddings)) * mask
        hidden = hidden.dropout(rate: dropout, generator: &generator)
            .reshaped([layout.lanes, layout.laneLength, width])
        let attentionMask = AttentionMask.keyRanges(KeyRangeMask(perBatch: groups))
        for block in self.blocks {
            hidden = block(
                hidden, mask: attentionMask, dropout: dropout, attentionDropout: attentionDropout,
                generator: &generator)
        }
        let values = self.finalNorm(hidden).reshaped([rowCount, width]) * mask
        let starts = layout.slots.map { $0.lane * layout.laneLength + $0.offset }
        return CollaborativeStates(values: values, starts: starts, lengths: lengths, items: items)
    }

    /// The summed next-item cross-entropy of `states` against `targets`, where `targets[u][t]` follows item `t` of
    /// the last `targets[u].count` items of history `u`.
    /// - Parameters:
    ///   - excluded: when given, per target (flattened in the order of `targets`) the items its softmax leaves out.
    ///   - unavailable: items every softmax leaves out.
    public func nextItemLoss(
        states: CollaborativeStates, targets: [[Int]], excluded: [[Int]]? = nil, unavailable: [Int] = []
    ) -> Tensor {
        Tensor.crossEntropy(
            logits: states.scores(states.last(targets.map(\.count))), targets: targets.flatMap { $0 },
            reduction: .sum, excluded: excluded, unavailable: unavailable)
    }
}

// MARK: - Packed states

/// The collaborative states of a batch of histories (``CollaborativeModel/states(_:items:training:generator:)``).
public struct CollaborativeStates {
    /// `[rows, width]`: each history's states on consecutive rows; rows no history occupies are zeros.
    public let values: Tensor
    /// Per history, the row of its first item.
    public let starts: [Int]
    /// Per history, its length.
    public let lengths: [Int]
    /// `[itemCount, width]`: the item vectors of the pass (``CollaborativeModel/itemVectors()``).
    public let items: Tensor

    /// Scores of every item for each state row: `rows · itemsᵀ`.
    /// - Parameter rows: `[R, width]` rows of ``values``. - Returns: `[R, itemCount]`.
    public func scores(_ rows: Tensor) -> Tensor {
        Tensor.matmul(rows, self.items, transposeB: true)
    }

    /// The rows of the last `counts[u]` items of each history `u`, oldest first.
    public func rows(lastPositions counts: [Int]) -> [Int] {
        counts.enumerated().flatMap { index, count in
            let end = self.starts[index] + self.lengths[index]
            return Array((end - count)..<end)
        }
    }

    /// `[Σ counts, width]`: the states of the last `counts[u]` items of each history `u`.
    public func last(_ counts: [Int]) -> Tensor {
        self.values.gather(rows: self.rows(lastPositions: counts))
    }
}

/// Histories packed first-fit, longest first, into lanes as long as the longest of them.
struct LaneLayout {
    /// The length of every lane.
    let laneLength: Int
    /// The number of lanes.
    let lanes: Int
    /// Per history, its lane and its first position in the lane.
    let slots: [(lane: Int, offset: Int)]

    init(lengths: [Int]) {
        let laneLength = lengths.max() ?? 0
        var free: [Int] = []
        var slots = [(lane: Int, offset: Int)](repeating: (0, 0), count: lengths.count)
        let longestFirst = lengths.indices.sorted { (lengths[$0], $1) > (lengths[$1], $0) }
        for index in longestFirst {
            let length = lengths[index]
            if let lane = free.firstIndex(where: { $0 >= length }) {
                slots[index] = (lane, laneLength - free[lane])
                free[lane] -= length
            } else {
                slots[index] = (free.count, 0)
                free.append(laneLength - length)
            }
        }
        self.laneLength = laneLength
        self.lanes = free.count
        self.slots = slots
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
    func callAsFunction(
        _ x: Tensor, mask: AttentionMask, dropout: Float, attentionDropout: Float, generator: inout RandomGenerator
    ) -> Tensor {
        let normed = self.attentionNorm(x)
        // Drawn only when on, so that the other dropout masks are those of a run without attention dropout.
        let probabilityDropout =
            attentionDropout > 0 ? AttentionDropout(rate: attentionDropout, generator: &generator) : .none
        let attended = Tensor.attention(
            query: self.query(normed), key: self.key(normed), value: self.value(normed), heads: self.heads,
            kvHeads: self.heads, mask: mask, dropout: probabilityDropout)
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
