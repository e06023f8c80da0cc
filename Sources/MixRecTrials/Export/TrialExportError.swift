/// Why a study's trial could not be exported as a run folder.
public enum TrialExportError: Error, Equatable, CustomStringConvertible {
    /// The directory's database holds no study row.
    case noStudy
    /// The study's trials are synthetic functions, not MixRec models.
    case notMixRec
    /// No trial has this id.
    case noSuchTrial(UInt64)
    /// `best` was asked for, but no COMPLETE trial has a final value of the objective.
    case noCompleteTrial(objective: String)
    /// The trial kept no intact checkpoint; its config was written to `configFile` and `retrain` trains it again.
    case noCheckpoint(trial: UInt64, configFile: String, retrain: String)
    /// The checkpoint could not be read as a MixRec training state.
    case badCheckpoint(trial: UInt64, reason: String)
    /// The study database, its stored config or the run folder could not be read or written.
    case failed(String)

    public var description: String {
        switch self {
        case .noStudy: "the study directory's database holds no study"
        case .notMixRec: "the study's trials are synthetic functions, not MixRec models: nothing to export"
        case .noSuchTrial(let id): "the study has no trial \(id)"
        case .noCompleteTrial(let objective): "no COMPLETE trial of the study has a final \(objective) yet"
        case .noCheckpoint(let trial, let configFile, let retrain):
            "trial \(trial) kept no usable checkpoint in the study directory; its training config is in "
                + "\(configFile); re-train it with:\n  \(retrain)"
        case .badCheckpoint(let trial, let reason): "trial \(trial)'s checkpoint is unusable: \(reason)"
        case .failed(let reason): reason
        }
    }
}
