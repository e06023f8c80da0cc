import ConfigKit
import Search

/// `objective.kind: synthetic` (the default): trials evaluate a Search test function (`objective.function`,
/// Branin by default), trained by ``SyntheticTrialRunner`` and ``RingSyntheticTrialRunner``.
public struct SyntheticTrialKind: TrialKind {
    /// `synthetic`.
    public static let name = TrialTask.syntheticKind

    public var name: String { Self.name }

    public init() {}

    public func objective(_ section: ConfigSection, study: StudyObjectiveContext) throws -> StudyObjective {
        guard study.search.pruner.rungFractions.isEmpty else {
            throw StudyConfigError(
                "the search file's pruner.fidelity: steps needs objective.kind: mixrec (synthetic trials report "
                    + "whole epochs only)")
        }
        let function = try section.choice("function", default: SyntheticObjective.branin)
        let metric = try section.string(
            "metric", default: SyntheticTrialRunner.metric, allowed: [SyntheticTrialRunner.metric])
        try Self.check(function, against: study.search)
        return StudyObjective(task: .synthetic(function), metric: metric)
    }

    /// A synthetic function is minimised and reads its own parameter names: the search file must agree.
    private static func check(_ function: SyntheticObjective, against search: SearchConfig) throws {
        guard search.direction == .minimize else {
            throw StudyConfigError(
                "objective.function \(function.rawValue) is minimised: the search file needs "
                    + "direction: minimize")
        }
        let missing = function.space.parameters.map(\.name).filter { search.space.parameter(named: $0) == nil }
        guard missing.isEmpty else {
            throw StudyConfigError(
                "objective.function \(function.rawValue) reads parameters the search file lacks: "
                    + missing.joined(separator: ", "))
        }
    }
}
