import Tensor

/// The frozen keys and values of many self-contained token spans at a range of layers, in one table per layer:
/// computed once (e.g. every item's text, once per run) and addressed row by row by ``SpanStates``.
public struct SpanKeyValueTable: @unchecked Sendable {
    /// The layers covered, in the full model's numbering.
    public let layers: Range<Int>
    /// Per covered layer, `[rows, KV·d]` keys RoPE-rotated at span-local positions `0..<length`.
    public let keys: [Tensor]
    /// Per covered layer, `[rows, KV·d]` values.
    public let values: [Tensor]
    /// The first row of every span.
    public let starts: [Int]
    /// The length of every span.
    public let lengths: [Int]
    /// `[spans, D]`: the mean of every span's final states (after the last block computed and the final norm).
    public let meanStates: Tensor

    /// A table of `lengths.count` spans whose rows follow one another, span by span (e.g. read back from a file);
    /// every tensor is used as it is.
    public init(layers: Range<Int>, keys: [Tensor], values: [Tensor], lengths: [Int], meanStates: Tensor) {
        precondition(keys.count == layers.count && values.count == layers.count, "one key and value table per layer")
        precondition(meanStates.shape.first == lengths.count, "one mean state per span")
        self.layers = layers
        self.keys = keys
        self.values = values
        self.starts = Self.starts(lengths)
        self.lengths = lengths
        self.meanStates = meanStates
    }

    /// The first row of every span of `lengths` when their rows follow one another.
    static func starts(_ lengths: [Int]) -> [Int] {
        var starts: [Int] = []
        var total = 0
        for length in lengths {
            starts.append(total)
            total += length
        }
        return starts
    }

    /// The rows of span `span`, as rows of source `source` of a ``SpanStates``, placed `shift` positions after
    /// where they were computed.
    public func rows(span: Int, source: Int, shift: Int = 0) -> [SpanRow] {
        (0..<self.lengths[span]).map { SpanRow(source: source, row: self.starts[span] + $0, shift: shift) }
    }

    /// The table's bytes (keys and values).
    public var byteCount: Int {
        2 * self.keys.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size
    }
}

extension LlamaModel {
    /// Computes the frozen keys and values of `tokens` spans at `layers` (no gradients, hooks only observe).
    ///
    /// Spans are run in chunks of `chunkSize` through the blocks up to `layers.upperBound`; only the covered layers'
    /// rows and each span's mean final state are kept, so memory is the table plus one chunk.
    /// - Parameters:
    ///   - tokens: the spans' token ids (each non-empty).
    ///   - layers: the layers to keep, within `0..<blockCount`.
    ///   - chunkSize: spans per chunk.
    ///   - hook: called as in ``forward(_:mask:positions:hook:)``; it must return `output` unchanged.
    ///   - progress: called with the number of spans done after every chunk.
    public func spanKeyValueTable(
        tokens: [[Int]], layers: Range<Int>, chunkSize: Int = 128, hook: BackboneHook? = nil,
        progress: ((Int) -> Void)? = nil
    ) -> SpanKeyValueTable {
        precondition(layers.lowerBound >= 0 && layers.upperBound <= self.configuration.blockCount, "layers \(layers)")
        precondition(tokens.allSatisfy { !$0.isEmpty } && chunkSize > 0, "spans must be non-empty")
        let width = self.configuration.keyWidth
        let starts = SpanKeyValueTable.starts(tokens.map(\.count))
        let total = tokens.reduce(0) { $0 + $1.count }
        let keys = layers.map { _ in Tensor.zeros([total, width]) }
        let values = layers.map { _ in Tensor.zeros([total, width]) }
        let meanStates = Tensor.zeros([tokens.count, self.configuration.width])
        let model = layers.upperBound == self.configuration.blockCount ? self : self.bottomBlocks(layers.upperBound)
        for chunkStart in stride(from: 0, to: tokens.count, by: chunkSize) {
            let chunk = chunkStart..<min(tokens.count, chunkStart + chunkSize)
            withoutGradients {
                let states = model.spanStates(tokens: Array(tokens[chunk]), hook: hook)
                for (index, span) in chunk.enumerated() {
                    for (slot, layer) in layers.enumerated() {
                        Self.copyRows(
                            states.rows[index], from: states.keys, layer: layer, into: keys[slot],
                            at: starts[span], width: width)
                        Self.copyRows(
                            states.rows[index], from: states.values, layer: layer, into: values[slot],
                            at: starts[span], width: width)
                    }
                }
                Self.addMeans(of: states, into: meanStates, at: chunk.lowerBound)
            }
            progress?(chunk.upperBound)
        }
        return SpanKeyValueTable(
            layers: layers, keys: keys, values: values, lengths: tokens.map(\.count), meanStates: meanStates)
    }

    /// Writes the mean final state of each of `states`' spans into rows `first…` of `means` (`[spans, D]`).
    private static func addMeans(of states: SpanStates, into means: Tensor, at first: Int) {
        let rows = (0..<states.count).flatMap { span in (0..<states.lengths[span]).map { (span: span, row: $0) } }
        let hidden = states.hidden(rows: rows)
        let width = means.shape[1]
        hidden.withUnsafeBufferPointer { source in
            means.withUnsafeMutableBufferPointer { target in
                var row = 0
                for span in 0..<states.count {
                    let length = states.lengths[span]
                    let base = (first + span) * width
                    for _ in 0..<length {
                        for column in 0..<width { target[base + column] += source[row * width + column] }
                        row += 1
                    }
                    for column in 0..<width { target[base + column] /= Float(length) }
                }
            }
        }
    }

    private static func copyRows(
        _ rows: [SpanRow], from sources: [[Tensor]], layer: Int, into table: Tensor, at start: Int, width: Int
    ) {
        table.withUnsafeMutableBufferPointer { target in
            guard let out = target.baseAddress else { return }
            for (offset, entry) in rows.enumerated() {
                sources[entry.source][layer].withUnsafeBufferPointer { source in
                    guard let base = source.baseAddress else { return }
                    (out + (start + offset) * width).update(from: base + entry.row * width, count: width)
                }
            }
        }
    }
}
