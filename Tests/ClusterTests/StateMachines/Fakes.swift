import Cluster
import Search

/// Proposes `{"x": n}` for n = 1, 2, … and records every call.
struct CountingProposer: TrialProposer {
    struct Call: Equatable {
        var count: Int
        var observations: [TrialObservation]
        var pending: [Configuration]
    }
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the optimizer is broken" }
    }

    var next = 1
    var calls: [Call] = []
    /// Returns at most this many configurations per call (to test short answers).
    var maxPerCall = Int.max
    var fails = false

    static func params(_ n: Int) -> Configuration { Configuration(["x": .int(n)]) }

    func validate(_ configuration: Configuration) throws -> Configuration { configuration }

    mutating func propose(count: Int, observations: [TrialObservation], pending: [Configuration]) throws
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
struct ThresholdPruner: TrialPruner {
    var threshold: Double
    var fromEpoch = 1

    func decide(trial: TrialID, epoch: Int, progress: [TrialProgress]) -> PruneDecision {
        guard epoch >= self.fromEpoch,
            let value = progress.first(where: { $0.id == Int(trial.rawValue) })?.values[epoch], value < self.threshold
        else { return .keep(reason: "above \(self.threshold)") }
        return .prune(reason: "\(value) < \(self.threshold)")
    }
}

extension Array where Element == SchedulerDirective {
    var assignments: [AssignmentPlan] {
        self.compactMap { if case .assign(let plan) = $0 { plan } else { nil } }
    }
    var cancels: [(workers: [WorkerID], trial: TrialID, attempt: Int, reason: CancellationReason)] {
        self.compactMap {
            if case .cancel(let workers, let trial, let attempt, let reason) = $0 {
                (workers, trial, attempt, reason)
            } else {
                nil
            }
        }
    }
    var rejections: [WireError] {
        self.compactMap { if case .reject(_, let error) = $0 { error } else { nil } }
    }
}

extension Array where Element == CoordinatorDirective {
    var scheduled: [SchedulerDirective] {
        self.compactMap { if case .scheduler(let directive) = $0 { directive } else { nil } }
    }
    var membershipEvents: [MembershipDirective] {
        self.compactMap { if case .membership(let directive) = $0 { directive } else { nil } }
    }
}
