import Backbone
import Tensor

/// Everything items' frozen text states (``TextStates``) depend on, as one `name = value` line per input: two
/// processes with equal keys compute bit-identical states, so one may load what the other stored
/// (``TextStateCache``).
///
/// The inputs, from what ``TextStates/compute(backbone:itemTokens:fromLayer:progress:)`` reads:
/// - the backbone: its configuration (so the blocks in use, `backbone.layers`) and a hash of its weights
///   (``LlamaModel/weightDigest()``) rather than its file's path, size or date, which do not identify weights across
///   machines;
/// - the layers kept: from the first adapted layer to the top;
/// - every item's text tokens (their count and a hash), which covers the data, its text fields and `item_tokens`;
/// - OpenBLAS's kernel and thread count, which may change the floating-point sums;
/// - ``version``.
public struct TextStateKey: Hashable, Sendable {
    /// The version of what the text pass computes: raise it when a change of its code changes the states, so that
    /// states stored by older code miss.
    static let version = 1

    /// One `name = value` line per input, sorted.
    public let text: String
    /// The layers whose keys and values the states hold.
    let layers: Range<Int>
    /// The backbone's residual width `D`.
    let width: Int
    /// The width of one layer's keys (and values) per token.
    let keyWidth: Int

    /// The key of the states `TextStates.compute(backbone:itemTokens:fromLayer:)` returns.
    public init(backbone: LlamaModel, itemTokens: [[Int]], firstLayer: Int) {
        let configuration = backbone.configuration
        self.layers = firstLayer..<configuration.blockCount
        self.width = configuration.width
        self.keyWidth = configuration.keyWidth
        var tokens = FNV1a()
        for item in itemTokens {
            tokens.combine(integer: UInt64(item.count))
            for token in item { tokens.combine(integer: UInt64(token)) }
        }
        let lines = [
            "version = \(Self.version)", "backbone.configuration = \(configuration)",
            "backbone.weights = \(backbone.weightDigest().hex)", "layers = \(self.layers)",
            "items = \(itemTokens.count)", "tokens = \(tokens.hex)", "blas = \(BLASRuntime.summary)",
        ]
        self.text = lines.sorted().joined(separator: "\n")
    }

    /// 16 hex digits naming the key (FNV-1a 64 of ``text``): its cache file's name.
    public var name: String {
        FNV1a(self.text.utf8).hex
    }
}
