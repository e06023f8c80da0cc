import Tensor

/// Where in a block a mixture of experts sits.
public enum ExpertSite: String, Sendable, CaseIterable {
    /// After attention; `lora` experts here adapt the query and value projections.
    case attention
    /// After the MLP; `lora` experts here are linear low-rank branches.
    case mlp
}

/// One routed mixture of adapter experts at one site of one layer (see docs/model.md, "Experts").
///
/// Experts of one kind are stacked, so a kind costs two GEMMs for all its experts: the top-k gates of each
/// expert are spread over its `rank` columns of the stacked down-projection, which is the same as weighting each
/// expert's output by its gate. Everything is composed of `Tensor` ops, so no backward code lives here.
public final class ExpertMixture {
    /// The mixture's architecture.
    public let group: ExpertGroup
    /// Where it sits.
    public let site: ExpertSite
    /// Its trainable parameters (router and experts).
    public private(set) var parameters = ParameterRegistry()

    private let router: Tensor
    private var stacks: [ExpertKind: ExpertStack] = [:]

    /// Creates the experts of `group` for a model of width `width`; at `.attention`, LoRA experts project to
    /// `queryWidth` and `valueWidth`. Every expert starts as the identity (its last projection is zero).
    public init(
        group: ExpertGroup, site: ExpertSite, width: Int, queryWidth: Int, valueWidth: Int,
        generator: inout RandomGenerator
    ) {
        self.group = group
        self.site = site
        self.router = Tensor.randomNormal(
            [group.experts, width], standardDeviation: 0.02, generator: &generator, requiresGrad: true)
        self.parameters.register("router", self.router)
        for kind in ExpertKind.allCases where kind != .none {
            let members = (0..<group.experts).filter { group.kind(ofExpert: $0) == kind }
            guard !members.isEmpty else { continue }
            let stack = ExpertStack(
                kind: kind, site: site, members: members, expertCount: group.experts, rank: group.rank,
                width: width, queryWidth: queryWidth, valueWidth: valueWidth, generator: &generator)
            self.parameters.register(stack.parameters, prefix: kind.rawValue)
            self.stacks[kind] = stack
        }
    }

    /// Routes each row of `input` to its top-k experts.
    /// - Parameter input: `[rows, width]`, the normalised sublayer input.
    public func route(_ input: Tensor) -> ExpertRouting {
        precondition(input.rank == 2, "route: input must be [rows, width], shape \(input.shape)")
        let logits = Tensor.linear(input, weight: self.router)
        return ExpertRouting(logits: logits, gates: Tensor.topKGate(logits, k: self.group.topK))
    }

    /// The attention projections LoRA experts adapt.
    public enum Projection: Sendable {
        case query, value
    }

    /// The LoRA experts' addition to the queries or the values (`nil` when the site has none).
    /// - Parameters:
    ///   - projection: which of the two.
    ///   - input: `[rows, width]`, the normalised block input fed to the q/v projections.
    /// - Returns: `[rows, queryWidth]` or `[rows, valueWidth]`.
    public func projectionDelta(_ projection: Projection, input: Tensor, routing: ExpertRouting) -> Tensor? {
        guard self.site == .attention, let lora = self.stacks[.lora] else { return nil }
        return lora.projectionDelta(projection, input: input, gates: routing.gates.gates)
    }

    /// The sum of the gated residual experts' outputs, to add to the sublayer output.
    /// - Parameters:
    ///   - input: `[rows, width]`, the normalised sublayer input.
    ///   - output: `[rows, width]`, the sublayer output.
    /// - Returns: `[rows, width]`, or `nil` when no expert of the site adds to the output.
    public func outputDelta(input: Tensor, output: Tensor, routing: ExpertRouting) -> Tensor? {
        var total: Tensor?
        for kind in ExpertKind.allCases {
            guard let delta = self.stacks[kind]?.outputDelta(input: input, output: output, gates: routing.gates.gates)
            else { continue }
            total = total.map { $0 + delta } ?? delta
        }
        return total
    }
}

/// A router's decision for a batch of rows.
public struct ExpertRouting {
    /// `[rows, experts]` router logits.
    public let logits: Tensor
    /// The top-k gates.
    public let gates: TopKRouting

    /// The Switch-Transformer load-balancing term `E · Σ_e f_e · p_e`: `f_e` the fraction of top-k slots
    /// routed to expert `e` (a constant), `p_e` its mean full-softmax probability. 1 when perfectly balanced.
    public var balanceLoss: Tensor {
        let (rows, experts) = (self.logits.shape[0], self.logits.shape[1])
        var fractions = [Float](repeating: 0, count: experts)
        for expert in self.gates.experts {
            fractions[expert] += 1 / Float(rows * self.gates.k)
        }
        let meanProbability = Tensor.softmax(self.logits).mean(axis: 0)
        return (meanProbability * Tensor(fractions, shape: [experts])).sum().scaled(by: Float(experts))
    }
}

// MARK: - Stacked experts of one kind

/// All experts of one kind in a mixture, with their projections stacked side by side.
struct ExpertStack {
    /// The trainable weights of a stack, by shape of expert.
    enum Weights {
        /// LoRA on the query and value projections: down `[members·rank, width]`, up `[out, members·rank]`.
        case projections(queryDown: Tensor, queryUp: Tensor, valueDown: Tensor, valueUp: Tensor)
        /// A down/up pair (LoRA at the MLP site, bottleneck and parallel adapters).
        case lowRank(down: Tensor, up: Tensor)
        /// (IA)³: `[members, width]` holding `s_e − 1` (zero at the start).
        case scales(Tensor)
    }

    let kind: ExpertKind
    /// `[experts, members · rank]` (scaling: `[experts, members]`): spreads each expert's gate over its columns.
    let spread: Tensor
    let weights: Weights
    let parameters: ParameterRegistry

    init(
        kind: ExpertKind, site: ExpertSite, members: [Int], expertCount: Int, rank: Int, width: Int,
        queryWidth: Int, valueWidth: Int, generator: inout RandomGenerator
    ) {
        precondition(kind != .none, "the none expert has no weights")
        self.kind = kind
        let columns = kind == .scaling ? 1 : rank
        var spread = [Float](repeating: 0, count: expertCount * members.count * columns)
        for (slot, expert) in members.enumerated() {
            for column in 0..<columns {
                spread[expert * members.count * columns + slot * columns + column] = 1
            }
        }
        self.spread = Tensor(spread, shape: [expertCount, members.count * columns])
        let stacked = members.count * rank
        var registry = ParameterRegistry()
        func down(_ name: String) -> Tensor {
            let tensor = Tensor.randomNormal(
                [stacked, width], standardDeviation: 1 / Float(width).squareRoot(), generator: &generator,
                requiresGrad: true)
            registry.register(name, tensor)
            return tensor
        }
        func zeros(_ name: String, _ shape: [Int]) -> Tensor {
            let tensor = Tensor.zeros(shape, requiresGrad: true)
            registry.register(name, tensor)
            return tensor
        }
        switch (kind, site) {
        case (.lora, .attention):
            self.weights = .projections(
                queryDown: down("query.down"), queryUp: zeros("query.up", [queryWidth, stacked]),
                valueDown: down("value.down"), valueUp: zeros("value.up", [valueWidth, stacked]))
        case (.scaling, _):
            self.weights = .scales(zeros("scales", [members.count, width]))
        default:
            self.weights = .lowRank(down: down("down"), up: zeros("up", [width, stacked]))
        }
        self.parameters = registry
    }

    /// `Σ_e g_e · x A_e B_e` for the query or the value projection (LoRA at the attention site only).
    func projectionDelta(_ projection: ExpertMixture.Projection, input: Tensor, gates: Tensor) -> Tensor? {
        guard case .projections(let queryDown, let queryUp, let valueDown, let valueUp) = self.weights else {
            return nil
        }
        let (down, up) = projection == .query ? (queryDown, queryUp) : (valueDown, valueUp)
        return Tensor.linear(Tensor.linear(input, weight: down) * Tensor.matmul(gates, self.spread), weight: up)
    }

    /// `Σ_e g_e · Expert_e` for stacks that add to the sublayer output; `nil` for LoRA at the attention site.
    func outputDelta(input: Tensor, output: Tensor, gates: Tensor) -> Tensor? {
        let spreadGates = Tensor.matmul(gates, self.spread)
        switch self.weights {
        case .projections:
            return nil
        case .scales(let scales):
            return Tensor.matmul(spreadGates, scales) * output
        case .lowRank(let down, let up):
            let hidden: Tensor
            switch self.kind {
            case .bottleneck: hidden = Tensor.linear(output, weight: down).silu()
            case .parallel: hidden = Tensor.linear(input, weight: down).silu()
            default: hidden = Tensor.linear(input, weight: down)
            }
            return Tensor.linear(hidden * spreadGates, weight: up)
        }
    }
}
