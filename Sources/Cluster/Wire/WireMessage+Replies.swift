import ClusterProto
import SwiftProtobuf

extension WireMessage {
    /// Whether a message that was rejected may be answered with an Error: not when it is an Error itself. Two
    /// peers that reject each other's messages (of different protocol versions, say) would otherwise answer each
    /// other's Errors forever.
    /// - Parameter frames: the rejected message's frames, envelope first (without a ROUTER identity frame).
    public static func rejectionMayBeAnswered<Frames: Collection<[UInt8]>>(_ frames: Frames) -> Bool {
        guard let header = frames.first, let envelope = try? WireEnvelope(serializedBytes: header),
            case .error = envelope.body
        else { return true }
        return false
    }
}
