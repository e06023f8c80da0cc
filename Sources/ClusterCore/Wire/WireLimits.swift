/// Size and range limits every received message is checked against.
public struct WireLimits: Sendable, Equatable {
    /// The largest envelope frame (the protobuf part), in bytes.
    public var maxEnvelopeBytes: Int = 1 << 20
    /// The largest raw parameter frame, in bytes.
    public var maxBlobBytes: Int = 1 << 30
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

    /// The default limits.
    public init() {}

    /// The most frames a whole message may have (envelope + blobs), for `ZMQSocket.receive(maxFrames:)`.
    public var maxFrames: Int { 1 + self.maxBlobs }
}
