import ClusterProto

/// One protocol message as it travels: `[protobuf envelope][raw frame…]`.
///
/// Raw frames carry parameter bytes (a resume checkpoint after a `TrialAssignment`, an uploaded checkpoint after a
/// `CheckpointUpload`), described by the envelope's `ParameterBlob`; tensors never travel inside protobuf. Its
/// ZeroMQ frames (`frames()`, `decode(frames:limits:)`) are in `Cluster`, which serializes with SwiftProtobuf.
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

extension Mixrec_Cluster_V1_WarmStartBlob {
    /// The header of the warm start `name`: `file`'s length and CRC-32C, or only the name when `file` is nil (the
    /// holder does not have it).
    public static func describing(_ file: [UInt8]?, name: String) -> Self {
        var blob = Self()
        blob.name = name
        if let file {
            blob.byteLength = UInt64(file.count)
            blob.crc32C = CRC32C.checksum(file)
        }
        return blob
    }
}
