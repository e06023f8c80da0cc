import Tensor

/// The text-match term of the scores (`model.text_match`): how well each candidate's text vector matches what the
/// user has just been reading, `s(i) = g · ⟨q, t_i⟩`.
///
/// The query `q = a · t_last + b · m + ĥ·A` mixes the text vector of the window's item at the position (`t_last`)
/// and the mean frozen text vector of the window up to it (`m`), the queries of the text nearest-neighbour rankers,
/// with a learnt map of the expert-adapted `[SEQ]` state (`ĥ`, unit length): the LLM reads the items' text on the
/// ranking path, and what the experts make of the sequence moves the query. `a` starts at 1, `b` and `A` at 0 and the
/// gate `g` at 0, so joint training starts from the ranking without the term. Items are scored by their text alone,
/// so an item no training sequence holds is scored like any other. The item vectors `t` are ``TextMatchItems``: the
/// frozen text vectors, or (`model.text_match_items: adapted`) those moved by the experts.
struct TextMatch {
    /// `[D, D]`, starting at 0: the map of the normalised `[SEQ]` state into the query.
    let queryMap: Tensor
    /// `[1]`, starting at 1: the weight of the last item's text vector in the query.
    let lastWeight: Tensor
    /// `[1]`, starting at 0: the weight of the window's mean text vector in the query.
    let meanWeight: Tensor
    /// `[1]`, starting at 0: the gate, in units of ``gateUnit``.
    let gate: Tensor

    /// The weight one unit of ``gate`` stands for. Adam moves a parameter by about the learning rate per step,
    /// and a useful weight of a cosine beside logits is several units: the unit lets the gate get there within a
    /// few hundred steps.
    static let gateUnit: Float = 16

    init(width: Int) {
        self.queryMap = Tensor.zeros([width, width], requiresGrad: true)
        self.lastWeight = Tensor.ones([1], requiresGrad: true)
        self.meanWeight = Tensor.zeros([1], requiresGrad: true)
        self.gate = Tensor.zeros([1], requiresGrad: true)
    }

    /// The weight of the term in the scores.
    var weight: Float { self.gate.item * Self.gateUnit }

    /// `[R, I]` match scores `⟨q, t_i⟩` (ungated).
    /// - Parameters:
    ///   - context: the rows' windows as text.
    ///   - states: `[R, D]` the rows' normalised `[SEQ]` states.
    func scores(_ context: TextContext, states: Tensor) -> Tensor {
        let query =
            context.lasts * self.lastWeight + context.means * self.meanWeight + Tensor.matmul(states, self.queryMap)
        return context.items.scores(query)
    }

    /// `scores` weighted by the gate.
    func gated(_ scores: Tensor) -> Tensor {
        scores * self.gate.scaled(by: Self.gateUnit)
    }

    /// The parameters, under `prefix`.
    func register(in registry: inout ParameterRegistry, prefix: String) {
        registry.register("\(prefix).query_map", self.queryMap)
        registry.register("\(prefix).last_weight", self.lastWeight)
        registry.register("\(prefix).mean_weight", self.meanWeight)
        registry.register("\(prefix).gate", self.gate)
    }
}

/// Score rows' windows as text, the part of ``TextMatch``'s query that is not learnt, and the item vectors the query
/// scores.
struct TextContext {
    /// `[R, D]`: the item vector of the window's item at each row's position (differentiable with adapted items).
    let lasts: Tensor
    /// `[R, D]`: the mean frozen text vector of the window up to each row's position (constant).
    let means: Tensor
    /// The vectors the query scores.
    let items: TextMatchItems

    /// The context of `rows` of the `[W·G]` layout of `windows` (G the longest window; row `w·G + t` is position t
    /// of window w) over the `[I, D]` frozen text vectors and the item vectors `items`.
    init(windows: [[Int]], rows: [Int], textVectors: Tensor, items: TextMatchItems) {
        let longest = windows.map(\.count).max() ?? 0
        self.lasts = items.vectors(of: rows.map { windows[$0 / longest][$0 % longest] })
        self.means = textVectors.prefixMeans(of: windows).gather(rows: rows)
        self.items = items
    }
}

/// The items' vectors the text-match term reads: a constant `[I, D]` table that every candidate is scored by, plus
/// the fresh (differentiable) change of some items' rows beyond it, which the windows' items read as queries
/// (``MixRecModel/textMatchItems(_:)``).
struct TextMatchItems {
    /// `[I, D]`, constant: the candidates' vectors.
    let table: Tensor
    /// `[n, D]`: the change of ``changed``'s rows beyond ``table`` where they are read as queries (nil: none).
    let change: Tensor?
    /// The items whose rows ``change`` changes, in its row order.
    let changed: [Int]

    /// The table alone.
    init(table: Tensor) {
        (self.table, self.change, self.changed) = (table, nil, [])
    }

    /// `table`, and `change`'s rows added at `changed` where they are read as queries.
    init(table: Tensor, change: Tensor, changed: [Int]) {
        (self.table, self.change, self.changed) = (table, change, changed)
    }

    /// `[n, D]`: the vectors of `items` as queries.
    func vectors(of items: [Int]) -> Tensor {
        let rows = self.table.gather(rows: items)
        guard let change else { return rows }
        return rows + change.placedRows(items, at: self.changed, count: self.table.shape[0])
    }

    /// `[R, I]`: `⟨q_r, t_i⟩` for every query row and candidate.
    func scores(_ query: Tensor) -> Tensor {
        Tensor.matmul(query, self.table, transposeB: true)
    }
}

extension Tensor {
    /// `[W·G, D]`: for each window (row indices of this `[I, D]` table, oldest first) and each position t, the
    /// mean of its rows 0...t, at row `w·G + t` (G the longest window; zeros past a window's end). No gradients.
    func prefixMeans(of windows: [[Int]]) -> Tensor {
        let width = self.shape[1]
        let longest = windows.map(\.count).max() ?? 0
        var means = [Float](repeating: 0, count: windows.count * longest * width)
        var sum = [Float](repeating: 0, count: width)
        self.withUnsafeBufferPointer { rows in
            for (index, window) in windows.enumerated() {
                for column in 0..<width { sum[column] = 0 }
                for (position, item) in window.enumerated() {
                    let source = item * width
                    let target = (index * longest + position) * width
                    let scale = 1 / Float(position + 1)
                    for column in 0..<width {
                        sum[column] += rows[source + column]
                        means[target + column] = sum[column] * scale
                    }
                }
            }
        }
        return Tensor(means, shape: [windows.count * longest, width])
    }
}
