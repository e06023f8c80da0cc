import Tensor

/// One sequence over precomputed spans: its spans and its global positions, in order.
public struct SpanSequence: Sendable, Equatable {
    /// A run of positions.
    public enum Segment: Sendable, Equatable {
        /// Span `index` of the ``SpanStates`` occupies `lengths[index]` positions here. Later global positions see
        /// its rows `visibleRows` (all when `nil`; e.g. only the last row for summary-style attention).
        case span(Int, visibleRows: Range<Int>? = nil)
        /// `count` global positions, fed from the global input: they see everything visible before them.
        case global(count: Int)
    }

    /// The segments in order.
    public var segments: [Segment]

    public init(_ segments: [Segment]) {
        self.segments = segments
    }

    /// The number of global positions.
    public var globalCount: Int {
        self.segments.reduce(0) { total, segment in
            if case .global(let count) = segment { return total + count }
            return total
        }
    }
}

// MARK: - Running global positions against span states

extension LlamaModel {
    /// Runs the global positions of `sequences` against precomputed span states.
    ///
    /// At every layer, each global query attends to the cached keys and values of the spans before it (keys rotated
    /// from span-local positions by the span's offset) and to the global positions up to itself. The result equals
    /// the dense pass under ``SpanLayout`` masks (same positions, spans seeing only themselves).
    /// - Parameters:
    ///   - input: embeddings of the global positions, `[B, G, D]`; sequence `b` uses its first
    ///     `sequences[b].globalCount` rows (the rest is padding and comes out meaningless).
    ///   - sequences: `B` sequences.
    ///   - states: from ``spanStates(_:hook:)``.
    ///   - hook: inserted trainable modules (called for the global positions).
    ///   - outputRows: when set, only these rows of the flattened `[B·G]` global positions are wanted (e.g. each
    ///     sequence's last): past its keys and values, the last block runs for them alone.
    /// - Returns: final hidden states of the global positions, `[B, G, D]`, or `[n, 1, D]` for `outputRows`.
    public func forward(
        global input: Tensor, sequences: [SpanSequence], states: SpanStates, hook: BackboneHook? = nil,
        outputRows: [Int]? = nil
    ) -> Tensor {
        self.forwardKeepingKeys(
            global: input, sequences: sequences, states: states, hook: hook, outputRows: outputRows
        ).hidden
    }

    /// ``forward(global:sequences:states:hook:)`` that also returns the global positions' own keys and values at
    /// every layer, so they can serve as span rows of a later pass (e.g. an item's `[ALIGN]` token seen from a
    /// user's `[SEQ]` tokens).
    /// - Returns: the final hidden states `[B, G, D]` (`[n, 1, D]` for `outputRows`), and per layer the keys
    ///   `[B·G, KV·d]` (RoPE-rotated at each position's place in its sequence) and values `[B·G, KV·d]`.
    public func forwardKeepingKeys(
        global input: Tensor, sequences: [SpanSequence], states: SpanStates, hook: BackboneHook? = nil,
        outputRows: [Int]? = nil
    ) -> (hidden: Tensor, keys: [Tensor], values: [Tensor]) {
        precondition(input.rank == 3 && input.shape[0] == sequences.count, "forward(global:): input \(input.shape)")
        precondition(
            states.keys.isEmpty || states.layerCount == self.configuration.blockCount,
            "forward(global:): span states cover \(states.layerCount) layers, the model has \(self.configuration.blockCount)"
        )
        let plan = KeyAssemblyPlan(
            sequences: sequences, states: states, globalRows: input.shape[1], configuration: self.configuration)
        var context = SpanReuseAttention(plan: plan, states: states, configuration: self.configuration)
        let hidden = self.run(
            input, positions: plan.globalPositions, context: &context, hook: hook, outputRows: outputRows)
        let rows = input.shape[0] * input.shape[1]
        let width = self.configuration.keyWidth
        return (
            hidden, context.keptKeys.map { $0.reshaped([rows, width]) },
            context.keptValues.map { $0.reshaped([rows, width]) }
        )
    }
}

/// Where every key row of every sequence comes from, and the mask of the global queries over them.
struct KeyAssemblyPlan {
    /// A key row: from source `source` (or the global keys when `source == -1`), flat row `row`, shifted by
    /// `offset` positions.
    struct Entry {
        let source: Int
        let row: Int
        let offset: Int
    }

    let entries: [[Entry]]
    let maxKeys: Int
    let mask: AttentionMask
    let globalPositions: [Int]
    let tables: [Int: [Float]]
    let shift: RotaryShift

    init(sequences: [SpanSequence], states: SpanStates, globalRows: Int, configuration: LlamaConfiguration) {
        var shift = RotaryShift(configuration: configuration)
        var tables: [Int: [Float]] = [:]
        var entries: [[Entry]] = []
        var groups: [[KeyRangeMask.Group]] = []
        var positions = [Int](repeating: 0, count: sequences.count * globalRows)
        for (batch, sequence) in sequences.enumerated() {
            precondition(sequence.globalCount <= globalRows, "sequence \(batch) has more global positions than rows")
            var keys: [Entry] = []
            var maskGroups: [KeyRangeMask.Group] = []
            var position = 0
            var globalRow = 0
            for segment in sequence.segments {
                switch segment {
                case .span(let span, let visible):
                    let length = states.lengths[span]
                    let rows = visible ?? 0..<length
                    precondition(rows.lowerBound >= 0 && rows.upperBound <= length, "visible rows outside span")
                    for row in rows {
                        let entry = states.rows[span][row]
                        let offset = position + entry.shift
                        if tables[offset] == nil { tables[offset] = shift.table(offset) }
                        keys.append(Entry(source: entry.source, row: entry.row, offset: offset))
                    }
                    position += length
                case .global(let count):
                    let firstKey = keys.count
                    for index in 0..<count {
                        keys.append(Entry(source: -1, row: batch * globalRows + globalRow + index, offset: 0))
                        positions[batch * globalRows + globalRow + index] = position + index
                    }
                    maskGroups.append(
                        .init(
                            queryRows: globalRow..<(globalRow + count), keyRanges: [0..<keys.count],
                            causalOffset: firstKey - globalRow))
                    globalRow += count
                    position += count
                }
            }
            entries.append(keys)
            groups.append(maskGroups)
        }
        self.entries = entries
        self.maxKeys = max(1, entries.map(\.count).max() ?? 1)
        self.mask = .keyRanges(KeyRangeMask(perBatch: groups))
        self.globalPositions = positions
        self.tables = tables
        self.shift = shift
    }

    /// The `[B, maxKeys, KV·d]` keys (`rotate`) or values of one layer, as a differentiable op over the span
    /// tensors and the global positions' own keys or values `[B, G, KV·d]`.
    func assemble(spanTensors: [Tensor], global: Tensor, rotate: Bool) -> Tensor {
        let width = global.shape[2]
        let inputs = spanTensors + [global]
        let globalIndex = spanTensors.count
        let batch = self.entries.count
        let result = Tensor.zeros([batch, self.maxKeys, width])
        result.withUnsafeMutableBufferPointer { output in
            guard let out = output.baseAddress else { return }
            for (b, keys) in self.entries.enumerated() {
                for (index, entry) in keys.enumerated() {
                    let input = inputs[entry.source < 0 ? globalIndex : entry.source]
                    let target = out + (b * self.maxKeys + index) * width
                    input.withUnsafeBufferPointer { source in
                        guard let base = source.baseAddress else { return }
                        let row = base + entry.row * width
                        if rotate && entry.source >= 0, let table = self.tables[entry.offset] {
                            self.shift.apply(
                                table, source: row, target: target, width: width, inverse: false,
                                accumulate: false)
                        } else {
                            target.update(from: row, count: width)
                        }
                    }
                }
            }
        }
        return result.record("assembleSpanKeys", inputs: inputs) { context in
            let upstream = context.outputGradientPointer
            for (b, keys) in self.entries.enumerated() {
                for (index, entry) in keys.enumerated() {
                    let inputIndex = entry.source < 0 ? globalIndex : entry.source
                    guard let gradient = context.gradient(ofInput: inputIndex)?.baseAddress else { continue }
                    let (source, target) = (upstream + (b * self.maxKeys + index) * width, gradient + entry.row * width)
                    if rotate && entry.source >= 0, let table = self.tables[entry.offset] {
                        self.shift.apply(
                            table, source: source, target: target, width: width, inverse: true,
                            accumulate: true)
                    } else {
                        for column in 0..<width { target[column] += source[column] }
                    }
                }
            }
        }
    }
}

/// Attention of global positions against assembled span keys/values and their own.
struct SpanReuseAttention: AttentionContext {
    let plan: KeyAssemblyPlan
    let states: SpanStates
    let configuration: LlamaConfiguration

    /// The global positions' own keys and values, per layer.
    var keptKeys: [Tensor] = []
    var keptValues: [Tensor] = []

    mutating func keysAndValues(layer: Int, key: Tensor, value: Tensor) -> (
        keys: Tensor, values: Tensor, mask: AttentionMask
    ) {
        self.keptKeys.append(key)
        self.keptValues.append(value)
        return (
            self.plan.assemble(spanTensors: self.states.keys.map { $0[layer] }, global: key, rotate: true),
            self.plan.assemble(spanTensors: self.states.values.map { $0[layer] }, global: value, rotate: false),
            self.plan.mask
        )
    }
}
