import Backbone
import Foundation
import Tensor

/// Every item's frozen text states where MixRec needs them: the keys and values of its text tokens at the adapted
/// layers, and the mean residual state entering the first adapted layer (the task tokens' starting point).
///
/// Context masking makes an item's text states depend on its text alone, and experts do not touch text tokens,
/// so these are computed once per run (and kept by a worker across trials with the same backbone, data and depth).
public struct TextStates: @unchecked Sendable {
    /// Keys and values of every item's text at layers `firstAdaptedLayer..<layers`.
    public let table: SpanKeyValueTable
    /// `[D]`: the mean residual-stream state of all text tokens entering the first adapted layer.
    public let meanState: [Float]
    /// Every item's text tokens.
    public let tokens: [[Int]]

    /// Runs every item's text through the frozen backbone up to its top layer.
    /// - Parameters:
    ///   - backbone: the frozen backbone.
    ///   - itemTokens: every item's (non-empty) text tokens.
    ///   - firstLayer: the first adapted layer; keys and values are kept from there up.
    ///   - progress: called with the number of items done.
    public static func compute(
        backbone: LlamaModel, itemTokens: [[Int]], fromLayer firstLayer: Int, progress: ((Int) -> Void)? = nil
    ) -> TextStates {
        let width = backbone.configuration.width
        let sum = MeanAccumulator(width: width)
        let table = backbone.spanKeyValueTable(
            tokens: itemTokens, layers: firstLayer..<backbone.configuration.blockCount,
            hook: { site, input, output in
                if site.layer == firstLayer && site.point == .attentionOutput { sum.add(input) }
                return output
            }, progress: progress)
        return TextStates(table: table, meanState: sum.mean, tokens: itemTokens)
    }
}

/// Sums rows of `[…, D]` tensors in Double.
private final class MeanAccumulator {
    private var total: [Double]
    private var rows = 0

    init(width: Int) {
        self.total = [Double](repeating: 0, count: width)
    }

    func add(_ tensor: Tensor) {
        let width = self.total.count
        tensor.withUnsafeBufferPointer { values in
            for row in 0..<(values.count / width) {
                for column in 0..<width { self.total[column] += Double(values[row * width + column]) }
            }
            self.rows += values.count / width
        }
    }

    var mean: [Float] {
        self.total.map { Float($0 / Double(max(self.rows, 1))) }
    }
}
