// MARK: - Top-k router

/// The result of a top-k router gate.
public struct TopKRouting {
    /// `[rows, experts]`: softmax over each row's k largest logits at the selected experts, 0 elsewhere.
    public let gates: Tensor
    /// `[rows · k]`: the selected experts of each row, largest logit first.
    public let experts: [Int]
    /// Experts selected per row.
    public let k: Int

    /// The selected experts of `row`, largest logit first.
    public func experts(ofRow row: Int) -> ArraySlice<Int> {
        self.experts[(row * self.k)..<((row + 1) * self.k)]
    }
}

extension Tensor {
    /// A top-k mixture-of-experts gate: per row, picks the `k` largest logits and softmaxes over them only.
    /// Unselected experts get gate 0 and no gradient, so only the selected experts' gate weights learn.
    /// Ties keep the lower expert index.
    /// - Parameters:
    ///   - logits: `[rows, experts]` router scores (e.g. `linear(x, weight: router)`).
    ///   - k: experts per row, `1...experts`.
    public static func topKGate(_ logits: Tensor, k: Int) -> TopKRouting {
        precondition(logits.rank == 2, "topKGate: logits must be [rows, experts], shape \(logits.shape)")
        let (rows, experts) = (logits.shape[0], logits.shape[1])
        precondition(k >= 1 && k <= experts, "topKGate: k = \(k) of \(experts) experts")
        var selected = [Int](repeating: 0, count: rows * k)
        let gates = Tensor.zeros([rows, experts])
        let (source, destination) = (UnsafePointer(logits.pointer), gates.pointer)
        for row in 0..<rows {
            let line = source + row * experts
            let order = (0..<experts).sorted { line[$0] > line[$1] || (line[$0] == line[$1] && $0 < $1) }
            let chosen = order.prefix(k)
            let maximum = line[chosen[chosen.startIndex]]
            var total: Float = 0
            for expert in chosen {
                total += VectorMath.exp(line[expert] - maximum)
            }
            for (slot, expert) in chosen.enumerated() {
                selected[row * k + slot] = expert
                destination[row * experts + expert] = VectorMath.exp(line[expert] - maximum) / total
            }
        }
        let choice = selected
        gates.record("topKGate", inputs: [logits]) { context in
            guard let gradient = context.gradient(ofInput: 0)?.baseAddress else { return }
            let (g, y) = (context.outputGradientPointer, UnsafePointer(context.output.pointer))
            for row in 0..<rows {
                let chosen = choice[(row * k)..<((row + 1) * k)]
                var total: Float = 0
                for expert in chosen {
                    total += g[row * experts + expert] * y[row * experts + expert]
                }
                for expert in chosen {
                    let index = row * experts + expert
                    gradient[index] += y[index] * (g[index] - total)
                }
            }
        }
        return TopKRouting(gates: gates, experts: selected, k: k)
    }
}
