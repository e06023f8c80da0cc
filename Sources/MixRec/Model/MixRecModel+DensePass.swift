import Backbone
import Tensor

/// The rows of a dense pass that matter: where each window's `[SEQ]` and `[ALIGN]` tokens sit.
struct DenseLayout {
    /// Token ids of every row (`[B·P]`, P the longest layout); task tokens and padding hold a placeholder.
    var tokens: [Int] = []
    /// Per window and item, the flat row of its `[CF]`, `[ALIGN]` and `[SEQ]` tokens.
    var cfRows: [[Int]] = []
    var alignRows: [[Int]] = []
    var sequenceRows: [[Int]] = []
    /// The attention structure of each window.
    var maskGroups: [[KeyRangeMask.Group]] = []
    /// P.
    var length = 0
}

extension MixRecModel {
    /// The plain masked pass: every token of every window — `[CF] text [ALIGN] [SEQ]` per item, text included —
    /// through every block, under the context mask (`model.context_masking`) or, without it, the plain causal
    /// mask. Task tokens enter at the first adapted layer as in the span path and experts act on them only.
    ///
    /// With context masking this equals the span-reuse path (the test of both); without it, it is the ablation's
    /// path, since item states then depend on their context and cannot be cached.
    /// - Returns: the `[B, G, D]` `[SEQ]` states (as ``encodeSequences(_:items:userStates:)``) and, per window and
    ///   item, the final `[ALIGN]` state rows of `align` (`[B·L_b, D]` in window order).
    func denseSequences(
        _ windows: [[Int]], userStates: Tensor?, training: Bool, generator: inout RandomGenerator
    ) -> (sequences: Tensor, align: Tensor) {
        let width = self.backbone.configuration.width
        let layout = self.denseLayout(windows)
        let rows = windows.count * layout.length
        let occurrences = windows.flatMap { $0 }
        let longest = windows.map(\.count).max() ?? 0
        let cf = self.itemCFInputs(occurrences, training: training, generator: &generator)
        let align = self.alignToken.reshaped([1, width]).gather(rows: [Int](repeating: 0, count: occurrences.count))
        var sequence = self.sequenceToken.reshaped([1, width]).gather(
            rows: [Int](repeating: 0, count: windows.count * longest))
        if let userStates { sequence = sequence + userStates }
        let sequencePadded = windows.enumerated().flatMap { user, window in
            (0..<window.count).map { user * longest + $0 }
        }
        let taskInputs = Tensor.concat([cf, align, sequence.gather(rows: sequencePadded)], axis: 0)
        let taskRows =
            layout.cfRows.flatMap { $0 } + layout.alignRows.flatMap { $0 } + layout.sequenceRows.flatMap { $0 }
        var mask = [Float](repeating: 0, count: rows)
        for row in taskRows { mask[row] = 1 }
        let injected = taskInputs.placed(at: taskRows, count: rows)
        let taskMask = Tensor(mask, shape: [rows, 1])
        let keep = Tensor(mask.map { 1 - $0 }, shape: [rows, 1])
        let first = self.firstAdaptedLayer
        var input = self.backbone.embed([layout.tokens]).reshaped([rows, width])
        if first == 0 { input = input * keep + injected * taskMask }
        let experts = self.experts.hook(firstLayer: 0)
        self.experts.rowSelection = taskRows
        defer { self.experts.rowSelection = nil }
        let hidden = self.backbone.forward(
            input.reshaped([windows.count, layout.length, width]),
            mask: self.config.model.contextMasking
                ? .keyRanges(KeyRangeMask(perBatch: layout.maskGroups)) : .causal(offset: 0),
            hook: { site, hookInput, output in
                if first > 0 && site.layer == first - 1 && site.point == .mlpOutput {
                    let residual = hookInput.reshaped([rows, width])
                    return (output.reshaped([rows, width]) * keep + (injected - residual) * taskMask)
                        .reshaped(output.shape)
                }
                return experts(site, hookInput, output)
            }
        ).reshaped([rows, width])
        let sequenceRows = layout.sequenceRows.flatMap { rowsOfWindow in
            rowsOfWindow + [Int](repeating: rowsOfWindow.first ?? 0, count: longest - rowsOfWindow.count)
        }
        return (
            hidden.gather(rows: sequenceRows).reshaped([windows.count, longest, width]),
            hidden.gather(rows: layout.alignRows.flatMap { $0 })
        )
    }

    /// Rows, tokens and masks of windows laid out as `[CF] text [ALIGN] [SEQ]` per item.
    private func denseLayout(_ windows: [[Int]]) -> DenseLayout {
        let spanLength = { (item: Int) in self.text.table.lengths[item] + 3 }
        var layout = DenseLayout()
        layout.length = windows.map { $0.reduce(0) { $0 + spanLength($1) } }.max() ?? 0
        let summaries = self.config.model.sequenceView == .summaries
        for (user, window) in windows.enumerated() {
            let base = user * layout.length
            var tokens: [Int] = []
            var (cf, align, sequence) = ([Int](), [Int](), [Int]())
            var groups: [KeyRangeMask.Group] = []
            var summaryRanges: [Range<Int>] = []
            for item in window {
                let start = tokens.count
                let text = self.text.tokens[item]
                tokens += [0] + text + [0, 0]
                let (alignRow, sequenceRow) = (start + text.count + 1, start + text.count + 2)
                cf.append(base + start)
                align.append(base + alignRow)
                sequence.append(base + sequenceRow)
                summaryRanges.append(alignRow..<(sequenceRow + 1))
                groups += [
                    .init(queryRows: start..<(start + 1), keyRanges: [start..<(start + 1)]),
                    .init(queryRows: (start + 1)..<alignRow, keyRanges: [(start + 1)..<alignRow], causalOffset: 0),
                    .init(queryRows: alignRow..<(alignRow + 1), keyRanges: [start..<(alignRow + 1)]),
                    .init(
                        queryRows: sequenceRow..<(sequenceRow + 1),
                        keyRanges: summaries ? summaryRanges : [0..<(sequenceRow + 1)]),
                ]
            }
            layout.tokens += tokens + [Int](repeating: 0, count: layout.length - tokens.count)
            layout.cfRows.append(cf)
            layout.alignRows.append(align)
            layout.sequenceRows.append(sequence)
            layout.maskGroups.append(groups)
        }
        return layout
    }
}
