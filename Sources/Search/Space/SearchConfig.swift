/// Whether the objective is to be made small (loss, regret) or large (NDCG).
public enum Direction: String, Hashable, Sendable, Codable {
    case minimize
    case maximize

    /// Whether `candidate` is strictly better than `reference` in this direction.
    public func isBetter(_ candidate: Double, than reference: Double) -> Bool {
        self == .minimize ? candidate < reference : candidate > reference
    }

    /// `value` as a quantity to minimise.
    func minimised(_ value: Double) -> Double { self == .minimize ? value : -value }
}

/// A complete search definition as read from a YAML file: the space, the direction, and the optimizer and pruner
/// settings (each with documented defaults).
public struct SearchConfig: Hashable, Sendable {
    /// The parameters to tune.
    public var space: SearchSpace
    /// Whether the objective is minimised or maximised (YAML `direction`, default `maximize`: NDCG@10).
    public var direction: Direction
    /// Bayesian-optimisation settings (YAML `optimizer`).
    public var optimizer: OptimizerSettings
    /// Early stopping of unpromising trials (YAML `pruner`, default none).
    public var pruner: PrunerSettings

    public init(
        space: SearchSpace, direction: Direction = .maximize, optimizer: OptimizerSettings = OptimizerSettings(),
        pruner: PrunerSettings = .none
    ) {
        self.space = space
        self.direction = direction
        self.optimizer = optimizer
        self.pruner = pruner
    }
}
