import Search

/// What a study's trials train. The coordinator sends it with every assignment, so workers need no config files.
public enum TrialTask: Sendable, Equatable {
    /// A Search test function (to minimise), trained as simulated epochs that converge to its value.
    case synthetic(SyntheticObjective)
    /// The MixRec model, trained from a training config (YAML text) with the study's fixed `dotted.key=value`
    /// overrides and then the trial's values applied on top.
    case mixrec(baseConfig: String, overrides: [String])

    /// `synthetic` or `mixrec`, as study configs and the wire name it.
    public var kind: String {
        switch self {
        case .synthetic: "synthetic"
        case .mixrec: "mixrec"
        }
    }
}
