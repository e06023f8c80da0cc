/// Why training stopped without a result.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The caller cancelled the run.
    case cancelled
    /// A checkpoint does not belong to this model or is damaged.
    case badCheckpoint(String)
    /// The loss became NaN or infinite.
    case diverged(epoch: Int, step: Int)
    /// The group's reducer failed.
    case reduction(String)

    public var description: String {
        switch self {
        case .cancelled: "training was cancelled"
        case .badCheckpoint(let reason): "checkpoint not usable: \(reason)"
        case .diverged(let epoch, let step):
            "the loss became NaN or infinite in epoch \(epoch + 1), step \(step); lower train.lr or train.clip_norm"
        case .reduction(let reason): "gradient all-reduce failed: \(reason)"
        }
    }
}
