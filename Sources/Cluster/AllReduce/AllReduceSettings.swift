/// How a ring all-reduce group talks: timeouts, chunking, integrity checks and limits.
public struct AllReduceSettings: Sendable, Equatable {
    /// How long a rank waits for its left neighbour's next chunk (or for room to send) before it gives up with
    /// `AllReduceError.peerTimeout`. Use the cluster's heartbeat timeout.
    public var timeout: Duration = .seconds(10)
    /// The most bytes one chunk frame carries; segments are cut into chunks this size and pipelined.
    public var chunkBytes: Int = 512 * 1024
    /// How Float sums travel: as Float32, or rounded to bfloat16 with Float32 accumulation (half the bytes). Every
    /// rank of a group must use the same; a chunk in the other format fails the collective
    /// (`AllReduceError.encodingMismatch`). Double and Int64 sums always travel exactly.
    public var wire = AllReduceWire.float32
    /// Whether every chunk carries a CRC32C of its payload (the bytes as sent) that the receiver checks, on CURVE
    /// links. Links without CURVE always do, whatever this says (``verifiesChecksums``).
    public var checksums = false
    /// Identifies one run of one group (trial and attempt, say); chunks of any other run are refused.
    public var runTag: UInt64 = 0
    /// Messages queued per link end before a send blocks (at least 4: ranks send 2 chunks ahead).
    public var highWaterMark: Int32 = 8
    /// The socket security (CURVE) of the ring links; nil for plain TCP.
    public var curve: RingCurveSettings?

    /// Default settings (10 s timeout, 512 KiB chunks, Float32 on the wire, no CURVE, so checksums on).
    public init() {}

    /// Whether chunks carry and are checked against a CRC32C of their payload: always on links without CURVE, where
    /// nothing authenticates the peer or protects the bytes (anything that reaches the ring port can send, and
    /// corruption goes unnoticed by TCP's weak checksum often enough at these volumes); on CURVE links, whose
    /// messages are authenticated and encrypted, only when `checksums` asks. A CRC detects damage, not forgery:
    /// only CURVE keeps strangers out. Every rank of a group must agree (they share the ring's CURVE settings). The
    /// software CRC32C runs at about 1.5 GB/s per core (measured here), once on send and once on receive.
    public var verifiesChecksums: Bool { self.checksums || self.curve == nil }

    /// The `ZMQ_MAXMSGSIZE` of ring sockets: one chunk frame (headers are smaller).
    public var maxMessageBytes: Int64 { Int64(max(self.chunkBytes, ChunkHeader.byteCount)) }

    /// The timeout in whole milliseconds, for socket options.
    var timeoutMilliseconds: Int32 {
        let (seconds, attoseconds) = self.timeout.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, milliseconds))
    }
}
