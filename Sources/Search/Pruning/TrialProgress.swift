/// The intermediate values one trial has reported so far: step (epoch) → value (e.g. validation NDCG@10).
public struct TrialProgress: Hashable, Sendable {
    /// The trial's identifier (unique within a search).
    public var id: Int
    /// Reported values by step.
    public var values: [Int: Double]
    /// Whether the trial has finished (completed or pruned) and will report no more.
    public var isFinished: Bool

    public init(id: Int, values: [Int: Double], isFinished: Bool) {
        self.id = id
        self.values = values
        self.isFinished = isFinished
    }

    /// The best value reported at a step ≤ `step`, or `nil` if there is none.
    func best(upTo step: Int, direction: Direction) -> Double? {
        var best: Double?
        for (reported, value) in self.values where reported <= step && value.isFinite {
            if let current = best, !direction.isBetter(value, than: current) { continue }
            best = value
        }
        return best
    }
}

/// What a pruner says about a trial after it reported a value, with the reason.
public enum PruneDecision: Hashable, Sendable {
    case keep(reason: String)
    case prune(reason: String)

    /// Whether the trial should stop.
    public var shouldPrune: Bool {
        if case .prune = self { return true }
        return false
    }

    /// Why the decision was taken.
    public var reason: String {
        switch self {
        case .keep(let reason), .prune(let reason): return reason
        }
    }
}

/// Warm-up shared by all pruners: nothing is pruned before `trials` trials have finished, nor at steps before
/// `steps`.
public struct PrunerWarmup: Hashable, Sendable {
    /// Finished trials needed before any pruning. YAML `warmup_trials`.
    public var trials: Int
    /// The first step at which a trial may be pruned. YAML `warmup_steps`.
    public var steps: Int

    public init(trials: Int = 5, steps: Int = 1) {
        self.trials = trials
        self.steps = steps
    }

    /// A `.keep` decision if the warm-up still protects a trial at `step`, otherwise `nil`.
    func protects(step: Int, others: [TrialProgress]) -> PruneDecision? {
        let finished = others.lazy.filter(\.isFinished).count
        if finished < self.trials {
            return .keep(reason: "warm-up: \(finished) of \(self.trials) trials finished")
        }
        if step < self.steps { return .keep(reason: "warm-up: step \(step) < \(self.steps)") }
        return nil
    }
}
