import Tensor

/// The text-match term of the scores (`model.text_match`): how well each candidate's frozen text vector matches
/// what the user has just been reading, `s(i) = g · ⟨q, t_i⟩`.
///
/// The query `q = a · t_last + b · m + ĥ·A` mixes the text vector of the window's item at the position (`t_last`)
/// and the mean text vector of the window up to it (`m`), the queries of the text nearest-neighbour rankers, with
/// a learnt map of the expert-adapted `[SEQ]` state (`ĥ`, unit length): the LLM reads the items' text on the ranking
/// path, and what the experts make of the sequence moves the query. `a` starts at 1, `b` and `A` at 0 and the gate
/// `g` at 0, so joint training starts from the ranking without the term. Items are scored by their text alone, so
/// an item no training sequence holds is scored like any other.
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
    ///   - context: the rows' windows as text (constant).
    ///   - states: `[R, D]` the rows' normalised `[SEQ]` states.
    ///   - textVectors: `[I, D]` the items' frozen unit-length text vectors.
    func scores(_ context: TextContext, states: Tensor, textVectors: Tensor) -> Tensor {
        let query =
            context.lasts * self.lastWeight + context.means * self.meanWeight + Tensor.matmul(states, self.queryMap)
        return Tensor.matmul(query, textVectors, transposeB: true)
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

/// Score rows' windows as frozen text vectors, the constant part of ``TextMatch``'s query.
struct TextContext {
    /// `[R, D]`: the text vector of the window's item at each row's position.
    let lasts: Tensor
    /// `[R, D]`: the mean text vector of the window up to each row's position.
    let means: Tensor

    /// The context of `rows` of the `[W·G]` layout of `windows` (G the longest window; row `w·G + t` is position t
    /// of window w) over the `[I, D]` text vectors.
    init(windows: [[Int]], rows: [Int], textVectors: Tensor) {
        let longest = windows.map(\.count).max() ?? 0
        self.lasts = textVectors.gather(rows: rows.map { windows[$0 / longest][$0 % longest] })
        self.means = textVectors.prefixMeans(of: windows).gather(rows: rows)
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
