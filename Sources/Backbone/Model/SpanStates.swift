import Tensor

/// Where one row of a span lives: row `row` of key/value source `source`, whose key was rotated at `shift`
/// positions before the row's place in the span.
public struct SpanRow: Sendable, Equatable {
    /// The source table (an index into ``SpanStates``' sources).
    public var source: Int
    /// The row within that table.
    public var row: Int
    /// How many positions further the stored key must be rotated (e.g. 1 for text cached at positions `0..<T`
    /// that sits at `1...T` of a span starting with another token).
    public var shift: Int

    public init(source: Int, row: Int, shift: Int = 0) {
        self.source = source
        self.row = row
        self.shift = shift
    }
}

/// The per-layer keys and values of a set of self-contained spans, computed once at span-local positions
/// `0..<length` and reused by every sequence that contains them.
///
/// The states live in *sources*: tables with one `[rows, KV·d]` key tensor (RoPE-rotated at the row's span-local
/// position) and one value tensor per layer. Each span lists, row by row, where its keys and values are, so a span
/// may mix rows of several sources — e.g. frozen text rows cached for a whole run and trainable task-token rows
/// computed this step. States stay in the autodiff graph: gradients from later uses flow back into the sources.
public final class SpanStates {
    /// `keys[source][layer]`: `[rows, KV·d]`.
    let keys: [[Tensor]]
    /// `values[source][layer]`: `[rows, KV·d]`.
    let values: [[Tensor]]
    /// Final hidden states `[rows, D]` per source, when known.
    let hiddenStates: [Tensor?]
    /// Every span's rows, in order.
    let rows: [[SpanRow]]
    /// The length of every span.
    public let lengths: [Int]

    /// Span states assembled from key/value tables.
    /// - Parameters:
    ///   - keys: `keys[source][layer]`, each `[rows, KV·d]`, rotated at the row's span-local position.
    ///   - values: `values[source][layer]`, the same shapes.
    ///   - rows: for every span, where each of its rows is (a span may be empty).
    public convenience init(keys: [[Tensor]], values: [[Tensor]], rows: [[SpanRow]]) {
        self.init(keys: keys, values: values, hidden: keys.map { _ in nil }, rows: rows)
    }

    init(keys: [[Tensor]], values: [[Tensor]], hidden: [Tensor?], rows: [[SpanRow]]) {
        precondition(keys.count == values.count && keys.count == hidden.count, "SpanStates: sources disagree")
        precondition(Set(keys.map(\.count)).count <= 1, "SpanStates: every source needs the same layers")
        for span in rows {
            for entry in span {
                precondition(
                    entry.source >= 0 && entry.source < keys.count
                        && keys[entry.source].allSatisfy { entry.row >= 0 && entry.row < $0.shape[0] },
                    "SpanStates: row \(entry) outside its source")
            }
        }
        self.keys = keys
        self.values = values
        self.hiddenStates = hidden
        self.rows = rows
        self.lengths = rows.map(\.count)
    }

    /// The number of spans.
    public var count: Int { self.lengths.count }

    /// The number of layers the states cover.
    public var layerCount: Int { self.keys.first?.count ?? 0 }

    /// Final hidden states (after the last RMSNorm) of chosen rows: `[rows.count, D]`, e.g. each span's last
    /// token (`[ALIGN]`). Differentiable. Only for states computed by ``LlamaModel/spanStates(_:hook:)``.
    public func hidden(rows: [(span: Int, row: Int)]) -> Tensor {
        precondition(rows.allSatisfy { $0.row >= 0 && $0.row < self.lengths[$0.span] }, "hidden: row outside span")
        let tables = self.hiddenStates.map { table -> Tensor in
            guard let table else { preconditionFailure("hidden: these span states have no hidden states") }
            return table
        }
        let all = tables.count == 1 ? tables[0] : Tensor.concat(tables, axis: 0)
        var starts: [Int] = []
        var start = 0
        for table in tables {
            starts.append(start)
            start += table.shape[0]
        }
        return all.gather(
            rows: rows.map { span, row in
                let entry = self.rows[span][row]
                return starts[entry.source] + entry.row
            })
    }
}

// MARK: - Computing span states

extension LlamaModel {
    /// Computes the states of self-contained spans once, at span-local positions.
    ///
    /// Spans of equal length are computed together as one `[n, length, D]` batch under a causal mask (one source
    /// per length).
    /// - Parameters:
    ///   - spans: each span's input embeddings `[length, D]` (may require gradients).
    ///   - hook: inserted trainable modules (called once per group of equally long spans).
    /// - Returns: states to pass to ``forward(global:sequences:states:hook:)`` and to read span outputs from.
    public func spanStates(_ spans: [Tensor], hook: BackboneHook? = nil) -> SpanStates {
        let width = self.configuration.width
        precondition(spans.allSatisfy { $0.rank == 2 && $0.shape[1] == width && $0.shape[0] > 0 }, "spans: [len, D]")
        var byLength: [Int: [Int]] = [:]
        for (span, tensor) in spans.enumerated() { byLength[tensor.shape[0], default: []].append(span) }
        var keys: [[Tensor]] = []
        var values: [[Tensor]] = []
        var hidden: [Tensor?] = []
        var rows = [[SpanRow]](repeating: [], count: spans.count)
        for length in byLength.keys.sorted() {
            let members = byLength[length] ?? []
            let batch = members.count == 1 ? spans[members[0]] : Tensor.concat(members.map { spans[$0] }, axis: 0)
            var context = MaskedAttention(
                mask: .causal(offset: 0), configuration: self.configuration, keptKeys: [], keptValues: [])
            let output = self.run(
                batch.reshaped([members.count, length, width]), positions: Array(0..<length), context: &context,
                hook: hook)
            let count = members.count * length
            let source = keys.count
            keys.append((context.keptKeys ?? []).map { $0.reshaped([count, self.configuration.keyWidth]) })
            values.append((context.keptValues ?? []).map { $0.reshaped([count, self.configuration.keyWidth]) })
            hidden.append(output.reshaped([count, width]))
            for (batchRow, span) in members.enumerated() {
                rows[span] = (0..<length).map { SpanRow(source: source, row: batchRow * length + $0) }
            }
        }
        return SpanStates(keys: keys, values: values, hidden: hidden, rows: rows)
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
