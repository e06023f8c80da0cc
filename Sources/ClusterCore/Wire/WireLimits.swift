/// Size and range limits every received message is checked against.
public struct WireLimits: Sendable, Equatable {
    /// The largest envelope frame (the protobuf part), in bytes.
    public var maxEnvelopeBytes: Int = 1 << 20
    /// The largest raw parameter frame (a checkpoint), in bytes: the largest frame the protocol legitimately
    /// carries, so the services also make it their sockets' `ZMQ_MAXMSGSIZE`. The coordinator takes it from the
    /// study's `study.max_checkpoint_mib`, a worker from `--max-checkpoint-mib`.
    public var maxBlobBytes: Int = Self.defaultMaxBlobBytes
    /// The most raw frames after the envelope.
    public var maxBlobs: Int = 1
    /// The longest identifier (worker id, host, endpoint, metric name, cached item), in bytes.
    public var maxIdentifierBytes: Int = 256
    /// The longest free text (reasons and error messages), in bytes.
    public var maxTextBytes: Int = 4096
    /// The longest trial configuration JSON, in bytes.
    public var maxConfigBytes: Int = 256 * 1024
    /// The most metrics in one progress report or result.
    public var maxMetrics: Int = 256
    /// The most entries in a Hello's cached-dataset or cached-model list.
    public var maxCachedItems: Int = 256
    /// The largest worker group.
    public var maxWorldSize: UInt32 = 256
    /// The most cores a worker may announce.
    public var maxCores: UInt32 = 4096

    /// `maxBlobBytes` unless configured: 512 MiB, about four times the largest MixRec checkpoint measured
    /// (amazon-beauty, 136 MB).
    public static let defaultMaxBlobBytes = 512 << 20

    /// The default limits.
    public init() {}

    /// The `ZMQ_MAXMSGSIZE` of a socket that receives these messages: the largest frame, envelope or blob. libzmq
    /// applies it per socket, not per peer, and drops the connection of a peer that sends a larger frame.
    public var maxFrameBytes: Int { max(self.maxBlobBytes, self.maxEnvelopeBytes) }

    /// The most frames a whole message may have (envelope + blobs), for `ZMQSocket.receive(maxFrames:)`.
    public var maxFrames: Int { 1 + self.maxBlobs }
}
