import Tensor

/// A frozen Llama-family decoder (SmolLM2 by default) with span masks, span-state reuse and adapter hooks.
///
/// Weights never require gradients; gradients flow to the input embeddings (when they require them) and to
/// whatever trainable tensors the hooks use. Shapes: `B` sequences of `L` tokens, width `D`, `H` query heads and
/// `KV` key/value heads of width `d`, vocabulary `V`.
public final class LlamaModel {
    /// The model's shape (with `blockCount` already limited to the blocks in use).
    public let configuration: LlamaConfiguration
    /// The frozen weights.
    public let weights: LlamaWeights
    /// The model's tokenizer, when the checkpoint has one.
    public let tokenizer: BPETokenizer?

    /// Wraps already-loaded weights; use ``load(path:layers:)`` to read a checkpoint.
    public init(configuration: LlamaConfiguration, weights: LlamaWeights, tokenizer: BPETokenizer?) {
        precondition(weights.blocks.count == configuration.blockCount, "weights do not match the configuration")
        self.configuration = configuration
        self.weights = weights
        self.tokenizer = tokenizer
    }

    // MARK: - Embeddings and head

    /// The input embeddings of `tokens`: `[B, L, D]` for `B` equally long token lists. Frozen (no gradient).
    public func embed(_ tokens: [[Int]]) -> Tensor {
        let length = tokens.first?.count ?? 0
        precondition(tokens.allSatisfy { $0.count == length }, "embed: sequences must have equal lengths")
        return withoutGradients {
            Tensor.embedding(tokens.flatMap { $0 }, table: self.weights.embedding)
                .reshaped([tokens.count, length, self.configuration.width])
        }
    }

    /// Logits over the vocabulary from final hidden states: `[…, D]` → `[…, V]` (tied head when tied).
    public func logits(_ hidden: Tensor) -> Tensor {
        Tensor.linear(hidden, weight: self.weights.head)
    }

    // MARK: - Forward

    /// The final hidden states (after the last RMSNorm) of a batch of sequences.
    ///
    /// - Parameters:
    ///   - input: input embeddings `[B, L, D]` (from ``embed(_:)`` or built by the caller; may require gradients).
    ///   - mask: which positions each position sees; ``SpanLayout/mask`` builds structured span masks,
    ///     `.causal(offset: 0)` is the plain causal mask, `.additive` a dense fallback.
    ///   - positions: RoPE positions, `L` (shared by the batch) or `B·L`; `0..<L` when `nil`.
    ///   - hook: the inserted trainable modules, if any.
    /// - Returns: `[B, L, D]`.
    public func forward(
        _ input: Tensor, mask: AttentionMask = .causal(offset: 0), positions: [Int]? = nil,
        hook: BackboneHook? = nil
    ) -> Tensor {
        var context = MaskedAttention(mask: mask, configuration: self.configuration)
        return self.run(input, positions: positions ?? Array(0..<input.shape[1]), context: &context, hook: hook)
    }

    /// Runs every block and the final norm with `context` providing attention.
    /// - Parameter outputRows: when set, the last block computes only these rows of the flattened `[B·L]` positions
    ///   past its keys and values (the others would be computed and dropped), and the result is `[n, 1, D]`.
    func run<Context: AttentionContext>(
        _ input: Tensor, positions: [Int], context: inout Context, hook: BackboneHook?, outputRows: [Int]? = nil
    ) -> Tensor {
        precondition(input.rank == 3 && input.shape[2] == self.configuration.width, "forward: input \(input.shape)")
        var hidden = input
        let blocks = self.configuration.blockCount
        for layer in 0..<blocks {
            hidden = self.block(
                layer, hidden, positions: positions, context: &context, hook: hook,
                outputRows: layer == blocks - 1 ? outputRows : nil)
        }
        return Tensor.rmsNorm(hidden, weight: self.weights.outputNorm, epsilon: self.configuration.rmsEpsilon)
    }

    /// One Llama block: pre-norm attention and SwiGLU MLP, each added to the residual stream, with hooks. With
    /// `outputRows` only those flattened rows come out, `[n, 1, D]`: every row's keys and values are still computed
    /// (the kept rows attend to them), but the queries, the attention, its output projection and the MLP, the
    /// block's largest part, run row by row and only for the kept rows. Hooks at those sites (the query projection,
    /// the attention output and the MLP output) then see only the kept rows and are told which (``HookSite/rows``).
    func block<Context: AttentionContext>(
        _ layer: Int, _ x: Tensor, positions: [Int], context: inout Context, hook: BackboneHook?,
        outputRows: [Int]? = nil
    ) -> Tensor {
        let w = self.weights.blocks[layer]
        let c = self.configuration
        func hooked(_ point: HookPoint, _ input: Tensor, _ output: Tensor, rows: [Int]? = nil) -> Tensor {
            hook.map { $0(HookSite(layer: layer, point: point, rows: rows), input, output) } ?? output
        }
        let normed = Tensor.rmsNorm(x, weight: w.attentionNorm, epsilon: c.rmsEpsilon)
        let key = Tensor.linear(normed, weight: w.key)
        let value = hooked(.valueProjection, normed, Tensor.linear(normed, weight: w.value))
        let h: Tensor
        if let outputRows {
            h = self.attentionOfKeptRows(
                outputRows, layer: layer, x: x, normed: normed, key: key, value: value, positions: positions,
                context: &context, hooked: hooked)
        } else {
            let query = hooked(.queryProjection, normed, Tensor.linear(normed, weight: w.query))
            let attended = context.attend(
                layer: layer, query: self.rotate(query, positions: positions),
                key: self.rotate(key, positions: positions), value: value)
            h = x + hooked(.attentionOutput, x, Tensor.linear(attended, weight: w.output))
        }
        let normed2 = Tensor.rmsNorm(h, weight: w.feedForwardNorm, epsilon: c.rmsEpsilon)
        // The gated activations are never stored: the down projection is fused with the gating.
        let mlp = Tensor.swigluLinear(
            gate: Tensor.linear(normed2, weight: w.gate), up: Tensor.linear(normed2, weight: w.up), weight: w.down)
        return h + hooked(.mlpOutput, h, mlp, rows: outputRows)
    }

    /// The attention half of a block for the kept `rows` only (`[n, 1, D]`, the residual added): their queries
    /// against every row's rotated `key` and `value` under the pass's mask restricted to them, then the output
    /// projection. `hooked` calls the block's hook with the kept rows named.
    private func attentionOfKeptRows<Context: AttentionContext>(
        _ rows: [Int], layer: Int, x: Tensor, normed: Tensor, key: Tensor, value: Tensor, positions: [Int],
        context: inout Context, hooked: (HookPoint, Tensor, Tensor, [Int]?) -> Tensor
    ) -> Tensor {
        let c = self.configuration
        let (batch, length) = (x.shape[0], x.shape[1])
        let selection = QueryRows(rows, batch: batch, length: length)
        let queryInput = normed.reshaped([batch * length, c.width]).gather(rows: selection.sources)
        let query = hooked(
            .queryProjection, queryInput, Tensor.linear(queryInput, weight: self.weights.blocks[layer].query),
            selection.sources)
        let queryPositions = selection.sources.map {
            positions.count == batch * length ? positions[$0] : positions[$0 % length]
        }
        let attended = context.attend(
            layer: layer,
            query: self.rotate(query, positions: queryPositions).reshaped([batch, selection.width, c.queryWidth]),
            key: self.rotate(key, positions: positions), value: value, selection: selection)
        let kept = x.reshaped([batch * length, c.width]).gather(rows: rows)
        let projected = Tensor.linear(
            attended.reshaped([batch * selection.width, c.queryWidth]).gather(rows: selection.slots),
            weight: self.weights.blocks[layer].output)
        return (kept + hooked(.attentionOutput, kept, projected, rows)).reshaped([rows.count, 1, c.width])
    }

    /// RoPE at `positions` with the model's base and convention.
    func rotate(_ x: Tensor, positions: [Int]) -> Tensor {
        Tensor.rope(
            x, positions: positions, headDim: self.configuration.headDim, base: self.configuration.ropeBase,
            convention: self.configuration.ropeConvention)
    }
}

// MARK: - Views

extension LlamaModel {
    /// A model that runs only the top `count` blocks (inputs enter at block `blockCount − count`), with the same
    /// final norm and head; it shares this model's weights. Use it when the lower blocks' outputs are cached.
    public func topBlocks(_ count: Int) -> LlamaModel {
        precondition((1...self.configuration.blockCount).contains(count), "topBlocks: \(count) blocks")
        return self.view(blocks: (self.configuration.blockCount - count)..<self.configuration.blockCount)
    }

    /// A model that runs only the bottom `count` blocks, then the final norm and head; it shares this model's
    /// weights.
    public func bottomBlocks(_ count: Int) -> LlamaModel {
        precondition((1...self.configuration.blockCount).contains(count), "bottomBlocks: \(count) blocks")
        return self.view(blocks: 0..<count)
    }

    private func view(blocks: Range<Int>) -> LlamaModel {
        var configuration = self.configuration
        configuration.blockCount = blocks.count
        let weights = LlamaWeights(
            embedding: self.weights.embedding, outputNorm: self.weights.outputNorm, head: self.weights.head,
            blocks: Array(self.weights.blocks[blocks]))
        return LlamaModel(configuration: configuration, weights: weights, tokenizer: self.tokenizer)
    }
}
