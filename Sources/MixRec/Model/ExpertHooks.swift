import Backbone
import Tensor

/// The mixtures of experts of every adapted layer, plugged into the backbone as one hook per pass.
///
/// A pass calls the hook in block order: the value and query projections (the first of them routes the attention
/// site's rows), the attention output and the MLP output (where the MLP site routes). Each routing adds its
/// load-balancing term to ``balanceTerms``.
final class ExpertHooks {
    /// The mixtures by absolute layer.
    let mixtures: [Int: [ExpertSite: ExpertMixture]]
    /// The frozen backbone, for the MLP site's normalisation.
    let backbone: LlamaModel
    /// Load-balancing terms of the routings since the last ``reset()``.
    private(set) var balanceTerms: [Tensor] = []
    /// When set, the experts act only on these rows of the flattened `[rows, width]` pass (the task tokens of a
    /// pass that also carries text tokens); other rows pass through unchanged.
    var rowSelection: [Int]?
    private var attentionInput: Tensor?
    private var attentionRouting: ExpertRouting?

    init(mixtures: [Int: [ExpertSite: ExpertMixture]], backbone: LlamaModel) {
        self.mixtures = mixtures
        self.backbone = backbone
    }

    /// Forgets the balance terms of earlier passes.
    func reset() {
        self.balanceTerms = []
    }

    /// The mean load-balancing term over every routing since the last reset (nil when nothing was routed).
    var balanceLoss: Tensor? {
        guard let first = self.balanceTerms.first else { return nil }
        let total = self.balanceTerms.dropFirst().reduce(first, +)
        return total.scaled(by: 1 / Float(self.balanceTerms.count))
    }

    /// The hook of a pass through blocks numbered from `firstLayer` (a ``LlamaModel/topBlocks(_:)`` view numbers
    /// its blocks from 0).
    func hook(firstLayer: Int) -> BackboneHook {
        { site, input, output in
            self.apply(
                layer: site.layer + firstLayer, point: site.point, input: input, output: output, rows: site.rows)
        }
    }

    private func apply(layer: Int, point: HookPoint, input: Tensor, output: Tensor, rows: [Int]?) -> Tensor {
        guard let sites = self.mixtures[layer] else { return output }
        switch point {
        case .queryProjection, .valueProjection:
            guard let mixture = sites[.attention] else { return output }
            let (routed, routing) = self.attentionRouting(mixture, input: input, rows: rows)
            let projection: ExpertMixture.Projection = point == .queryProjection ? .query : .value
            guard let delta = mixture.projectionDelta(projection, input: routed, routing: routing) else {
                return output
            }
            return output + self.expanded(delta, like: output)
        case .attentionOutput:
            guard let mixture = sites[.attention] else { return output }
            let (routed, routing) = self.attentionRouting(mixture, input: input, rows: rows)
            defer { (self.attentionInput, self.attentionRouting) = (nil, nil) }
            guard let delta = mixture.outputDelta(input: routed, output: self.selected(output), routing: routing) else {
                return output
            }
            return output + self.expanded(delta, like: output)
        case .mlpOutput:
            guard let mixture = sites[.mlp] else { return output }
            let weights = self.backbone.weights.blocks[layer]
            let normed = Tensor.rmsNorm(
                self.selected(input), weight: weights.feedForwardNorm, epsilon: self.backbone.configuration.rmsEpsilon)
            let routing = mixture.route(normed)
            self.balanceTerms.append(routing.balanceLoss)
            guard let delta = mixture.outputDelta(input: normed, output: self.selected(output), routing: routing)
            else { return output }
            return output + self.expanded(delta, like: output)
        }
    }

    /// The attention site's normalised input rows and their routing. The block's first attention hook (its query or
    /// value projection, which see every row) routes them and adds the balance term; the later hooks reuse that.
    /// A hook that sees only some rows (`rows`, the last block of a pass that keeps some rows) gets those rows of
    /// the routed input, routed alike; the balance term stays the one over every row.
    private func attentionRouting(_ mixture: ExpertMixture, input: Tensor, rows: [Int]?) -> (Tensor, ExpertRouting) {
        let (routed, routing): (Tensor, ExpertRouting)
        if let cachedInput = self.attentionInput, let cachedRouting = self.attentionRouting {
            (routed, routing) = (cachedInput, cachedRouting)
        } else {
            precondition(rows == nil, "the attention site's first hook must see every row")
            routed = self.selected(input)
            routing = mixture.route(routed)
            self.balanceTerms.append(routing.balanceLoss)
            (self.attentionInput, self.attentionRouting) = (routed, routing)
        }
        guard let rows else { return (routed, routing) }
        precondition(self.rowSelection == nil, "a row selection and kept rows do not combine")
        let kept = routed.gather(rows: rows)
        return (kept, mixture.route(kept))
    }

    /// `[…, width]` as `[rows, width]`, only the selected rows when a selection is set.
    private func selected(_ tensor: Tensor) -> Tensor {
        let width = tensor.shape[tensor.rank - 1]
        let rows = tensor.reshaped([tensor.count / width, width])
        return self.rowSelection.map { rows.gather(rows: $0) } ?? rows
    }

    /// A `[selected rows, w]` delta in the shape of `output`, zero at rows outside the selection.
    private func expanded(_ delta: Tensor, like output: Tensor) -> Tensor {
        guard let selection = self.rowSelection else { return delta.reshaped(output.shape) }
        return delta.placed(at: selection, count: output.count / delta.shape[1]).reshaped(output.shape)
    }
}
