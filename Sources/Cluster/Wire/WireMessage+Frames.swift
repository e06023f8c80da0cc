import ClusterCore
import ClusterProto
import SwiftProtobuf

/// A message's ZeroMQ frames: the protobuf envelope serialized, then the raw frames.
extension WireMessage {
    // MARK: - Encoding

    /// The ZeroMQ frames of this message (a ROUTER prepends the peer identity itself).
    /// - Throws: `WireError` with code `.internal` if protobuf cannot serialize the envelope.
    public func frames() throws(WireError) -> [[UInt8]] {
        let header: [UInt8]
        do {
            header = try self.envelope.serializedBytes()
        } catch {
            throw WireError(.internal, "cannot encode envelope: \(error)", sequence: self.envelope.sequence)
        }
        return [header] + self.blobs
    }

    // MARK: - Decoding

    /// Decodes and validates a received message (without the ROUTER identity frame).
    /// - Parameters:
    ///   - frames: the ZeroMQ frames, envelope first.
    ///   - limits: the receiver's size and range limits.
    /// - Throws: `WireError` naming the first problem: `.tooLarge` before any decoding, `.malformed` for bytes
    ///   that are not an envelope, then everything `WireValidator` checks.
    public static func decode<Frames: Collection<[UInt8]>>(
        frames: Frames, limits: WireLimits = WireLimits()
    ) throws(WireError) -> WireMessage {
        guard let header = frames.first else { throw WireError(.malformed, "empty message: no envelope frame") }
        guard header.count <= limits.maxEnvelopeBytes else {
            throw WireError(.tooLarge, "envelope of \(header.count) bytes exceeds \(limits.maxEnvelopeBytes)")
        }
        let blobs = Array(frames.dropFirst())
        guard blobs.count <= limits.maxBlobs else {
            throw WireError(.tooLarge, "\(blobs.count) raw frames exceed the limit of \(limits.maxBlobs)")
        }
        for blob in blobs where blob.count > limits.maxBlobBytes {
            throw WireError(.tooLarge, "raw frame of \(blob.count) bytes exceeds \(limits.maxBlobBytes)")
        }
        let envelope: WireEnvelope
        do {
            envelope = try WireEnvelope(serializedBytes: header)
        } catch {
            throw WireError(.malformed, "envelope does not decode: \(error)")
        }
        let message = WireMessage(envelope: envelope, blobs: blobs)
        do {
            try WireValidator(limits: limits).validate(message)
        } catch {
            throw error.inReplyTo(envelope.sequence)
        }
        return message
    }
}
