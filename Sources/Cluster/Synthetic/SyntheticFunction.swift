import Foundation

/// A function of named real parameters that synthetic trials maximize (until the Search module's objectives land).
public protocol TrialObjective: Sendable {
    /// The value at `point`; larger is better.
    /// - Throws: `TrialObjectiveError` if a parameter it needs is missing.
    func score(at point: [String: Double]) throws(TrialObjectiveError) -> Double
}

/// A parameter the objective needs is not in the trial's configuration.
public struct TrialObjectiveError: Error, Equatable, CustomStringConvertible {
    public var missing: [String]
    public var description: String { "the objective needs parameters \(self.missing.joined(separator: ", "))" }
}

/// The synthetic objectives a study config can name (`objective.function`).
public enum SyntheticFunction: String, Sendable, CaseIterable, TrialObjective {
    /// Minus the Branin function of `x` in [-5, 10] and `y` in [0, 15]; maximum ≈ -0.397887 at three points.
    case branin
    /// Minus the sum of squares of every parameter; maximum 0 at the origin.
    case sphere

    /// Parameters the function needs by name (sphere uses all there are).
    public var requiredParameters: [String] {
        switch self {
        case .branin: ["x", "y"]
        case .sphere: []
        }
    }

    /// Checks that `space` has the parameters the function needs.
    public func check(_ space: SearchSpaceFile) throws(TrialObjectiveError) {
        let names = Set(space.ranges.map(\.name))
        let missing = self.requiredParameters.filter { !names.contains($0) }
        guard missing.isEmpty else { throw TrialObjectiveError(missing: missing) }
    }

    public func score(at point: [String: Double]) throws(TrialObjectiveError) -> Double {
        switch self {
        case .branin:
            guard let x = point["x"], let y = point["y"] else { throw TrialObjectiveError(missing: ["x", "y"]) }
            let b = 5.1 / (4 * Double.pi * Double.pi)
            let c = 5 / Double.pi
            let t = 1 / (8 * Double.pi)
            let bowl = y - b * x * x + c * x - 6
            return -(bowl * bowl + 10 * (1 - t) * cos(x) + 10)
        case .sphere:
            return -point.values.reduce(0) { $0 + $1 * $1 }
        }
    }
}
