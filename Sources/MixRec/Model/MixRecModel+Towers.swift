import Backbone
import Tensor

/// The item tower's output for a set of distinct items.
struct ItemEncoding {
    /// The encoded items (dense ids) in slot order.
    let items: [Int]
    /// Each item's slot.
    let slots: [Int: Int]
    /// `[n, D]`: final `[ALIGN]` states.
    let align: Tensor
    /// Per adapted layer, `[2n, KV·d]`: keys of `[CF]` (row 2s) and `[ALIGN]` (row 2s + 1) of slot s, rotated at
    /// their span-local positions.
    let keys: [Tensor]
    /// Per adapted layer, `[2n, KV·d]`: their values.
    let values: [Tensor]

    init(items: [Int], align: Tensor, keys: [Tensor], values: [Tensor]) {
        self.items = items
        self.slots = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, $0) })
        self.align = align
        self.keys = keys
        self.values = values
    }

    /// Encodings of disjoint item sets, concatenated.
    static func joined(_ parts: [ItemEncoding]) -> ItemEncoding {
        guard parts.count > 1, let first = parts.first else { return parts[0] }
        return ItemEncoding(
            items: parts.flatMap(\.items), align: Tensor.concat(parts.map(\.align), axis: 0),
            keys: first.keys.indices.map { layer in Tensor.concat(parts.map { $0.keys[layer] }, axis: 0) },
            values: first.values.indices.map { layer in Tensor.concat(parts.map { $0.values[layer] }, axis: 0) })
    }
}

extension MixRecModel {
    // MARK: - Item tower

    /// Runs the `[CF]` and `[ALIGN]` tokens of `items` through the adapted layers against their cached text.
    ///
    /// Each item is the span `[CF] text [ALIGN]` at span-local positions: `[CF]` sees itself, the text sees only
    /// the text (cached), `[ALIGN]` sees all three.
    /// - Parameters:
    ///   - items: distinct dense item ids.
    ///   - training: whether dropout is on (the collaborative model's).
    func encodeItems(_ items: [Int], training: Bool, generator: inout RandomGenerator) -> ItemEncoding {
        let width = self.backbone.configuration.width
        let count = items.count
        let cf = self.itemCFInputs(items, training: training, generator: &generator)
        let align = self.alignToken.reshaped([1, width]).gather(rows: [Int](repeating: 0, count: count))
        let input = Tensor.concat([cf.reshaped([count, 1, width]), align.reshaped([count, 1, width])], axis: 1)
        let states = SpanStates(
            keys: [self.text.table.keys], values: [self.text.table.values],
            rows: items.map { self.text.table.rows(span: $0, source: 0) })
        let sequences = items.indices.map { SpanSequence([.global(count: 1), .span($0), .global(count: 1)]) }
        // Nothing reads a `[CF]` token's final state (only its keys and values), so the last block's MLP runs for
        // the `[ALIGN]` rows alone.
        let pass = self.adaptedBlocks.forwardKeepingKeys(
            global: input, sequences: sequences, states: states,
            hook: self.experts.hook(firstLayer: self.firstAdaptedLayer), outputRows: (0..<count).map { 2 * $0 + 1 })
        return ItemEncoding(
            items: items, align: pass.hidden.reshaped([count, width]), keys: pass.keys, values: pass.values)
    }

    /// Convenience without dropout.
    func encodeItems(_ items: [Int], training: Bool) -> ItemEncoding {
        var generator = RandomGenerator(seed: 0)
        return self.encodeItems(items, training: training, generator: &generator)
    }

    /// `[n, D]` inputs of the `[CF]` tokens: the `[CF]` embedding plus the projected collaborative item embedding.
    func itemCFInputs(_ items: [Int], training: Bool, generator: inout RandomGenerator) -> Tensor {
        let width = self.backbone.configuration.width
        let base = self.cfToken.reshaped([1, width])
        guard let collaborative = self.collaborative, let input = self.cfItemInput, let output = self.cfItemOutput
        else { return base.gather(rows: [Int](repeating: 0, count: items.count)) }
        let embeddings = Tensor.embedding(items, table: collaborative.itemEmbeddings)
        return base + output(input(embeddings).silu())
    }

    // MARK: - Sequence tower

    /// Runs the users' `[SEQ]` tokens through the adapted layers against the item spans before them.
    ///
    /// Window `b` is laid out as `[CF] text [ALIGN] [SEQ]` per item; `[SEQ]_t` sees the spans and `[SEQ]` tokens
    /// up to item t: whole spans (`seq_view: all`) or their `[ALIGN]` token (`summaries`).
    /// - Parameters:
    ///   - windows: each user's items, oldest first (every item encoded in `items`).
    ///   - items: the item tower's output.
    ///   - userStates: `[B·G, D]` additions to the `[SEQ]` inputs (G the longest window), or nil.
    ///   - outputRows: only these rows of the `[B·G]` layout are wanted (evaluation ranks each window's last).
    /// - Returns: `[B, G, D]` final `[SEQ]` states, rows past a window's length padding; `[n, 1, D]` for
    ///   `outputRows`.
    func encodeSequences(
        _ windows: [[Int]], items: ItemEncoding, userStates: Tensor?, outputRows: [Int]? = nil
    ) -> Tensor {
        let width = self.backbone.configuration.width
        let longest = windows.map(\.count).max() ?? 0
        var spanOfItem: [Int: Int] = [:]
        var spanRows: [[SpanRow]] = []
        for item in windows.joined() where spanOfItem[item] == nil {
            guard let slot = items.slots[item] else { preconditionFailure("item \(item) was not encoded") }
            spanOfItem[item] = spanRows.count
            spanRows.append(
                [SpanRow(source: 1, row: 2 * slot)] + self.text.table.rows(span: item, source: 0, shift: 1)
                    + [SpanRow(source: 1, row: 2 * slot + 1)])
        }
        let states = SpanStates(
            keys: [self.text.table.keys, items.keys], values: [self.text.table.values, items.values], rows: spanRows)
        let summaries = self.config.model.sequenceView == .summaries
        let sequences = windows.map { window in
            SpanSequence(
                window.flatMap { item -> [SpanSequence.Segment] in
                    let span = spanOfItem[item] ?? 0
                    let length = spanRows[span].count
                    return [.span(span, visibleRows: summaries ? (length - 1)..<length : nil), .global(count: 1)]
                })
        }
        var input = self.sequenceToken.reshaped([1, width]).gather(
            rows: [Int](repeating: 0, count: windows.count * longest))
        if let userStates { input = input + userStates }
        return self.adaptedBlocks.forward(
            global: input.reshaped([windows.count, longest, width]), sequences: sequences, states: states,
            hook: self.experts.hook(firstLayer: self.firstAdaptedLayer), outputRows: outputRows)
    }

    /// `[B·G, D]` user-side injection: the collaborative model's state after each window position, projected to
    /// the backbone width; nil when user injection is off.
    func userStates(collaborativeRows: CollaborativeRows?) -> Tensor? {
        guard let collaborativeRows, let project = self.cfUser else { return nil }
        return project(collaborativeRows.values)
    }

    /// The collaborative states of `histories`, or nil without the collaborative model
    /// (``CollaborativeModel/states(_:items:training:dropsIdentities:generator:)``).
    func collaborativeStates(
        _ histories: [[Int]], items: Tensor? = nil, training: Bool, dropsIdentities: Bool = false,
        generator: inout RandomGenerator
    ) -> CollaborativeStates? {
        self.collaborative?.states(
            histories, items: items, training: training, dropsIdentities: dropsIdentities, generator: &generator)
    }

    /// `[B·G, c]` rows of collaborative `states` aligned with the `[SEQ]` rows of `windows` (zeros at padding),
    /// each window being the tail of the history its states were computed from.
    func collaborativeRows(_ states: CollaborativeStates, windows: [[Int]]) -> CollaborativeRows {
        let longest = windows.map(\.count).max() ?? 0
        let targets = windows.enumerated().flatMap { user, window in window.indices.map { user * longest + $0 } }
        return CollaborativeRows(
            values: states.last(windows.map(\.count)).placed(at: targets, count: windows.count * longest),
            states: states)
    }

    // MARK: - Scores

    /// Scores of every item: `s(i) = scale · ⟨u, W_i⟩ + b_i`, with `u` the unit-length direction of `ĥ − c` (ĥ the
    /// state at unit RMS, c the items' mean initial `[ALIGN]` state): cosine scores with a learnt temperature,
    /// so states far from where W started cannot produce runaway logits.
    /// - Parameter hidden: `[R, D]`. - Returns: `[R, I]`.
    func scores(_ hidden: Tensor) -> Tensor {
        self.scores(directions: self.directions(hidden))
    }

    /// ``scores(_:)`` of states already turned into ``directions(_:)``.
    private func scores(directions: Tensor) -> Tensor {
        Tensor.matmul(directions, self.itemProjection, transposeB: true) * self.scoreScale + self.itemBias
    }

    /// `[R, D]`: the unit-length direction of each state's `ĥ − c` (``scores(_:)``).
    private func directions(_ hidden: Tensor) -> Tensor {
        let centred = Tensor.rmsNorm(hidden, weight: self.unitGain, epsilon: 1e-6) - self.scoreCentre
        let width = Float(self.backbone.configuration.width)
        return Tensor.rmsNorm(centred, weight: self.unitGain, epsilon: 1e-6).scaled(by: 1 / width.squareRoot())
    }

    /// Next-item scores of `[SEQ]` states: ``scores(_:)``, or with `model.collaborative.inject_scores` the
    /// collaborative model's own scores at the same positions plus ``scores(_:)`` weighted by a learnt gate that
    /// starts at 0 (logit-level injection: joint training starts from the collaborative ranking, and the LLM side
    /// learns what the ID model misses); with `model.text_match`, plus the gated ``TextMatch`` term.
    /// - Parameters:
    ///   - hidden: `[R, D]` `[SEQ]` states.
    ///   - collaborative: the collaborative states of the same positions, or nil without the model.
    ///   - collaborativeItems: `[I, c]` item vectors that score the collaborative states instead of the pass's
    ///     own (``adaptedCollaborativeItems(_:)``).
    ///   - textContext: the rows' windows as text (``textContext(_:rows:items:)``); needed with `model.text_match`.
    /// - Returns: `[R, I]`.
    func sequenceScores(
        _ hidden: Tensor, collaborative: CollaborativeRows?, collaborativeItems: Tensor? = nil,
        textContext: TextContext? = nil
    ) -> Tensor {
        self.sequenceScoreParts(
            hidden, collaborative: collaborative, collaborativeItems: collaborativeItems, textContext: textContext
        ).joint
    }

    /// ``sequenceScores(_:collaborative:collaborativeItems:textContext:)`` with its parts.
    func sequenceScoreParts(
        _ hidden: Tensor, collaborative: CollaborativeRows?, collaborativeItems: Tensor? = nil,
        textContext: TextContext? = nil
    ) -> ScoreParts {
        let directions = self.directions(hidden)
        let llm = self.scores(directions: directions)
        let text = self.textMatch.map { textMatch in
            guard let textContext else { preconditionFailure("model.text_match scores need the windows' text") }
            return textMatch.scores(textContext, states: directions)
        }
        var collaborativeScores: Tensor?
        var joint = llm
        if let gate = self.linkGate, let collaborative {
            let scores =
                collaborativeItems.map { Tensor.matmul(collaborative.values, $0, transposeB: true) }
                ?? collaborative.scores
            collaborativeScores = scores
            joint = scores + llm * gate
        }
        if let textMatch = self.textMatch, let text { joint = joint + textMatch.gated(text) }
        return ScoreParts(
            joint: joint, uncalibrated: joint, collaborative: collaborativeScores, llm: llm, text: text,
            calibratedCollaborative: nil)
    }

    /// The text of `windows` at `rows` of the `[W·G]` layout of ``encodeSequences(_:items:userStates:)``, for the
    /// text-match term, its item vectors ``textMatchItems(_:)`` of `items` (the windows' items encoded, or nil);
    /// nil without `model.text_match`.
    func textContext(_ windows: [[Int]], rows: [Int], items: ItemEncoding?) -> TextContext? {
        guard self.textMatch != nil else { return nil }
        return TextContext(
            windows: windows, rows: rows, textVectors: self.itemTextVectors, items: self.textMatchItems(items))
    }
}

/// `[R, I]` next-item scores and the parts they are made of.
public struct ScoreParts {
    /// What ranks: ``uncalibrated`` with the model's ``ScoreCalibration`` applied.
    public let joint: Tensor
    /// ``collaborative`` + gate · ``llm`` with logit-level injection, else ``llm``; plus the gated ``text`` with
    /// `model.text_match`.
    public let uncalibrated: Tensor
    /// The collaborative model's own scores (nil without logit-level injection).
    public let collaborative: Tensor?
    /// The LLM side's scores.
    public let llm: Tensor
    /// The text-match term, ungated (nil without `model.text_match`).
    public let text: Tensor?
    /// ``collaborative`` with the model's `collaborativeCalibration` (nil without one, and in training).
    public let calibratedCollaborative: Tensor?
}

/// Collaborative states on rows of `[SEQ]` positions, with the pass that produced them (whose item vectors score
/// them).
struct CollaborativeRows {
    /// `[R, c]`.
    let values: Tensor
    let states: CollaborativeStates

    /// The rows `rows` of these.
    func gather(rows: [Int]) -> CollaborativeRows {
        CollaborativeRows(values: self.values.gather(rows: rows), states: self.states)
    }

    /// `[R, I]`: the collaborative model's own next-item scores at these rows.
    var scores: Tensor { self.states.scores(self.values) }
}
