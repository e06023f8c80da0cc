import ClusterProto

/// Why a received message was rejected. The receiver answers it with `replyEnvelope()` and keeps serving.
public struct WireError: Error, Equatable, CustomStringConvertible {
    /// The code sent back to the peer.
    public let code: WireErrorCode
    /// What exactly was wrong, for the log and the peer.
    public let message: String
    /// The rejected envelope's sequence number, 0 when it did not decode.
    public let sequence: UInt64

    /// Creates a rejection.
    public init(_ code: WireErrorCode, _ message: String, sequence: UInt64 = 0) {
        self.code = code
        self.message = message
        self.sequence = sequence
    }

    /// The same rejection, attributed to the envelope with `sequence`.
    package func inReplyTo(_ sequence: UInt64) -> WireError {
        WireError(self.code, self.message, sequence: sequence)
    }

    /// The `Error` envelope that tells the sender what was wrong.
    /// - Parameter sequence: the replying side's own sequence number for the new envelope.
    public func replyEnvelope(sequence: UInt64) -> WireEnvelope {
        var error = Mixrec_Cluster_V1_Error()
        error.code = self.code
        error.message = self.message
        error.inReplyTo = self.sequence
        return WireEnvelope.make(sequence: sequence, body: .error(error))
    }

    public var description: String {
        "rejected message \(self.sequence): \(self.code) — \(self.message)"
    }
}

extension WireEnvelope {
    /// An envelope of the current protocol version around `body`.
    public static func make(sequence: UInt64, body: WireBody) -> WireEnvelope {
        var envelope = WireEnvelope()
        envelope.protocolVersion = ClusterProtocol.version
        envelope.sequence = sequence
        envelope.body = body
        return envelope
    }
}
