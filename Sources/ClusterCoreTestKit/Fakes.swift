import ClusterCore
import Search

/// Proposes `{"x": n}` for n = 1, 2, … and records every call.
public struct CountingProposer: TrialProposer, Sendable {
    public struct Call: Equatable, Sendable {
        public var count: Int
        public var observations: [TrialObservation]
        public var pending: [Configuration]
    }
    public struct Failure: Error, CustomStringConvertible {
        public var description: String { "the optimizer is broken" }
    }

    public var next = 1
    public var calls: [Call] = []
    /// Returns at most this many configurations per call (to test short answers).
    public var maxPerCall = Int.max
    public var fails = false

    public init(next: Int = 1) { self.next = next }

    public static func params(_ n: Int) -> Configuration { Configuration(["x": .int(n)]) }

    public func validate(_ configuration: Configuration) throws -> Configuration { configuration }

    public mutating func propose(count: Int, observations: [TrialObservation], pending: [Configuration]) throws
        -> [Configuration]
    {
        self.calls.append(Call(count: count, observations: observations, pending: pending))
        if self.fails { throw Failure() }
        let made = (0..<min(count, self.maxPerCall)).map { Self.params(self.next + $0) }
        self.next += made.count
        return made
    }
}

/// Prunes a trial whose objective is below `threshold` at any epoch ≥ `fromEpoch`.
public struct ThresholdPruner: TrialPruner, Sendable {
    public var threshold: Double
    public var fromEpoch = 1

    public init(threshold: Double, fromEpoch: Int = 1) {
        self.threshold = threshold
        self.fromEpoch = fromEpoch
    }

    public func decide(trial: TrialID, epoch: Int, progress: [TrialProgress]) -> PruneDecision {
        guard epoch >= self.fromEpoch,
            let value = progress.first(where: { $0.id == Int(trial.rawValue) })?.values[epoch], value < self.threshold
        else { return .keep(reason: "above \(self.threshold)") }
        return .prune(reason: "\(value) < \(self.threshold)")
    }
}

extension Array where Element == SchedulerDirective {
    public var assignments: [AssignmentPlan] {
        self.compactMap { if case .assign(let plan) = $0 { plan } else { nil } }
    }
    public var cancels: [(workers: [WorkerID], trial: TrialID, attempt: Int, reason: CancellationReason)] {
        self.compactMap {
            if case .cancel(let workers, let trial, let attempt, let reason) = $0 {
                (workers, trial, attempt, reason)
            } else {
                nil
            }
        }
    }
    public var rejections: [WireError] {
        self.compactMap { if case .reject(_, let error) = $0 { error } else { nil } }
    }
}

extension Array where Element == CoordinatorDirective {
    public var scheduled: [SchedulerDirective] {
        self.compactMap { if case .scheduler(let directive) = $0 { directive } else { nil } }
    }
    public var membershipEvents: [MembershipDirective] {
        self.compactMap { if case .membership(let directive) = $0 { directive } else { nil } }
    }
}

/// Names a trial's shared warm start after its seed (`ws-<seed>`), as a MixRec study's naming does for trials that
/// differ only in what the warm start does not read.
public struct SeedWarmStarts: WarmStartNaming, Sendable {
    public init() {}

    public func warmStart(of trial: Trial) -> String? { "ws-\(trial.seed)" }
}
