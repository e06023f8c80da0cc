import ClusterProto
import SwiftProtobuf

/// One protocol message as it travels: `[protobuf envelope][raw frame…]`.
///
/// Raw frames carry parameter bytes (a resume checkpoint after a `TrialAssignment`, an uploaded checkpoint after a
/// `CheckpointUpload`), described by the envelope's `ParameterBlob`; tensors never travel inside protobuf.
public struct WireMessage: Sendable, Equatable {
    /// The protobuf part.
    public var envelope: WireEnvelope
    /// The raw frames after the envelope.
    public var blobs: [[UInt8]]

    /// Creates a message.
    public init(envelope: WireEnvelope, blobs: [[UInt8]] = []) {
        self.envelope = envelope
        self.blobs = blobs
    }

    /// Creates a message of the current protocol version around `body`.
    public init(sequence: UInt64, body: WireBody, blobs: [[UInt8]] = []) {
        self.init(envelope: .make(sequence: sequence, body: body), blobs: blobs)
    }

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

extension Mixrec_Cluster_V1_ParameterBlob {
    /// The header describing `bytes` (length and CRC-32C) as the parameters after `epoch` epochs.
    public static func describing(_ bytes: [UInt8], epoch: UInt32) -> Self {
        var blob = Self()
        blob.epoch = epoch
        blob.byteLength = UInt64(bytes.count)
        blob.crc32C = CRC32C.checksum(bytes)
        return blob
    }
}
