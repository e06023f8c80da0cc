import Search

/// What a study's trials train. The coordinator sends it with every assignment, so workers need no config files.
/// The cluster knows only its own synthetic functions; every other kind (such as MixRec) is config text named by its
/// kind, which a worker's runner for that kind reads.
public enum TrialTask: Sendable, Equatable {
    /// A Search test function (to minimise), trained as simulated epochs that converge to its value.
    case synthetic(SyntheticObjective)
    /// A trial of kind `kind`, trained from `baseConfig` (a config file's text) with the study's fixed
    /// `dotted.key=value` `overrides` and then the trial's values applied on top.
    case config(kind: String, baseConfig: String, overrides: [String])

    /// The kind of the synthetic functions.
    public static let syntheticKind = "synthetic"

    /// The name study configs (`objective.kind`) and the wire give this task's kind.
    public var kind: String {
        switch self {
        case .synthetic: Self.syntheticKind
        case .config(let kind, _, _): kind
        }
    }
}
