import ClusterProto

// MARK: - Short names for the generated protocol types

/// The one top-level message of the protocol (`mixrec.cluster.v1.Envelope`).
public typealias WireEnvelope = Mixrec_Cluster_V1_Envelope
/// The `oneof body` of an envelope.
public typealias WireBody = Mixrec_Cluster_V1_Envelope.OneOf_Body
/// Error codes sent back in `Error` messages.
public typealias WireErrorCode = Mixrec_Cluster_V1_ErrorCode

/// Constants of the cluster protocol.
public enum ClusterProtocol {
    /// The protocol version this build speaks; envelopes with another version are rejected.
    public static let version: UInt32 = 1
}

extension WireBody {
    /// The message kind, for logs and error messages.
    public var kind: String {
        switch self {
        case .hello: "Hello"
        case .welcome: "Welcome"
        case .heartbeat: "Heartbeat"
        case .shutdown: "Shutdown"
        case .assignment: "TrialAssignment"
        case .progress: "Progress"
        case .checkpoint: "CheckpointUpload"
        case .result: "TrialResult"
        case .failure: "TrialFailure"
        case .cancel: "CancelTrial"
        case .warmStart: "WarmStartUpload"
        case .error: "Error"
        case .ack: "Ack"
        }
    }
}
