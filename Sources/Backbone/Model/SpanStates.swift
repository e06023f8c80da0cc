import Tensor

/// The per-layer keys, values and final hidden states of a set of self-contained spans, computed once (batched,
/// at span-local positions `0..<length`) and reused by every sequence that contains them.
///
/// Spans of equal length are computed together as one `[n, length, D]` batch under a causal mask. States stay
/// in the autodiff graph: gradients from later uses flow back into the spans' inputs and hooks.
public final class SpanStates {
    /// Spans of one length, computed together.
    struct Group {
        /// The spans in this group, in batch order.
        let spans: [Int]
        let length: Int
        /// Per layer, the RoPE-rotated keys `[n · length, KV·d]` (span-local positions) and values.
        let keys: [Tensor]
        let values: [Tensor]
        /// Final hidden states `[n · length, D]`.
        let hidden: Tensor
    }

    let groups: [Group]
    /// For each span, its group and batch row within the group.
    let location: [(group: Int, row: Int)]
    /// The length of every span.
    public let lengths: [Int]

    init(groups: [Group], lengths: [Int]) {
        var location = [(group: Int, row: Int)](repeating: (0, 0), count: lengths.count)
        for (groupIndex, group) in groups.enumerated() {
            for (row, span) in group.spans.enumerated() { location[span] = (groupIndex, row) }
        }
        self.groups = groups
        self.location = location
        self.lengths = lengths
    }

    /// The number of spans.
    public var count: Int { self.lengths.count }

    /// The flat row (within its group's tensors) of row `row` of span `span`.
    func flatRow(span: Int, row: Int) -> (group: Int, row: Int) {
        let (group, batchRow) = self.location[span]
        return (group, batchRow * self.groups[group].length + row)
    }

    /// Final hidden states (after the last RMSNorm) of chosen rows: `[rows.count, D]`, e.g. each span's last
    /// token (`[ALIGN]`). Differentiable.
    public func hidden(rows: [(span: Int, row: Int)]) -> Tensor {
        precondition(rows.allSatisfy { $0.row >= 0 && $0.row < self.lengths[$0.span] }, "hidden: row outside span")
        let all = self.groups.count == 1 ? self.groups[0].hidden : Tensor.concat(self.groups.map(\.hidden), axis: 0)
        var starts: [Int] = []
        var start = 0
        for group in self.groups {
            starts.append(start)
            start += group.hidden.shape[0]
        }
        return all.gather(
            rows: rows.map { span, row in
                let (group, flat) = self.flatRow(span: span, row: row)
                return starts[group] + flat
            })
    }
}

// MARK: - Computing span states

extension LlamaModel {
    /// Computes the states of self-contained spans once, at span-local positions.
    ///
    /// - Parameters:
    ///   - spans: each span's input embeddings `[length, D]` (may require gradients).
    ///   - hook: inserted trainable modules (called once per group of equally long spans).
    /// - Returns: states to pass to ``forward(global:sequences:states:hook:)`` and to read span outputs from.
    public func spanStates(_ spans: [Tensor], hook: BackboneHook? = nil) -> SpanStates {
        let width = self.configuration.width
        precondition(spans.allSatisfy { $0.rank == 2 && $0.shape[1] == width && $0.shape[0] > 0 }, "spans: [len, D]")
        let lengths = spans.map { $0.shape[0] }
        var byLength: [Int: [Int]] = [:]
        for (span, length) in lengths.enumerated() { byLength[length, default: []].append(span) }
        var groups: [SpanStates.Group] = []
        for length in byLength.keys.sorted() {
            let members = byLength[length] ?? []
            let batch = members.count == 1 ? spans[members[0]] : Tensor.concat(members.map { spans[$0] }, axis: 0)
            var context = MaskedAttention(
                mask: .causal(offset: 0), configuration: self.configuration, keptKeys: [], keptValues: [])
            let hidden = self.run(
                batch.reshaped([members.count, length, width]), positions: Array(0..<length), context: &context,
                hook: hook)
            let rows = members.count * length
            groups.append(
                SpanStates.Group(
                    spans: members, length: length,
                    keys: (context.keptKeys ?? []).map { $0.reshaped([rows, self.configuration.keyWidth]) },
                    values: (context.keptValues ?? []).map { $0.reshaped([rows, self.configuration.keyWidth]) },
                    hidden: hidden.reshaped([rows, width])))
        }
        return SpanStates(groups: groups, lengths: lengths)
    }

    /// Span states of token spans (embedded with the frozen table).
    public func spanStates(tokens: [[Int]], hook: BackboneHook? = nil) -> SpanStates {
        self.spanStates(tokens.map { self.embed([$0]).reshaped([$0.count, self.configuration.width]) }, hook: hook)
    }

    /// Prefix caching: the states of a fixed prefix, computed once; run continuations with
    /// `forward(global:sequences: [SpanSequence([.span(0), .global(count: n)])], states:)`.
    public func cachePrefix(_ prefix: [Int], hook: BackboneHook? = nil) -> SpanStates {
        self.spanStates(tokens: [prefix], hook: hook)
    }
}
