import Tensor

/// The places in a block where trainable modules (LoRA, adapters, mixtures of experts) plug in.
public enum HookPoint: Sendable, Hashable, CaseIterable {
    /// The query projection: `input` is the normalised block input `[…, D]`, `output` the queries `[…, H·d]`
    /// before RoPE. LoRA on q returns `output + B·A·input`.
    case queryProjection
    /// The value projection: `input` `[…, D]` as above, `output` the values `[…, KV·d]`.
    case valueProjection
    /// After attention: `input` is the residual stream entering the block `[…, D]`, `output` the attention
    /// sublayer's output (after the output projection, before the residual add) `[…, D]`.
    case attentionOutput
    /// After the MLP: `input` is the residual stream entering the MLP `[…, D]`, `output` the MLP's output (before
    /// the residual add) `[…, D]`.
    case mlpOutput
}

/// Where a hook is called: the block index and the point within it.
public struct HookSite: Sendable, Hashable {
    /// The block (0-based).
    public let layer: Int
    /// The point within the block.
    public let point: HookPoint
    /// When set, `input` and `output` hold only these rows of the pass's flattened `[rows, …]`: the query
    /// projection, attention output and MLP output of the last block of a pass that keeps some rows
    /// (``LlamaModel/forward(global:sequences:states:hook:outputRows:)``), whose value projection saw every row.
    public let rows: [Int]?

    public init(layer: Int, point: HookPoint, rows: [Int]? = nil) {
        self.layer = layer
        self.point = point
        self.rows = rows
    }
}

/// A trainable module inserted into the frozen backbone: it receives the site, the tensor that fed the hooked
/// computation and its output, and returns the (possibly modified) output, of the same shape. Return `output`
/// unchanged for sites it does not adapt. Gradients flow into whatever tensors it uses that require them.
public typealias BackboneHook = (_ site: HookSite, _ input: Tensor, _ output: Tensor) -> Tensor
