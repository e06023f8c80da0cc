import ZeroMQ

/// Why an all-reduce (or a replica check) failed. Every case ends the collective on this rank.
public enum AllReduceError: Error, Equatable, CustomStringConvertible {
    /// The left neighbour sent nothing (or the right one took nothing) within the timeout: it died or hangs.
    /// `foreignMessages`: messages that were not this run's chunks, dropped by this rank so far
    /// (``AllReduceGroup/foreignMessagesDropped``).
    case peerTimeout(rank: Int, peer: Int, milliseconds: Int32, foreignMessages: Int = 0)
    /// A chunk whose header does not match what this rank expects next (stale run, wrong order, corrupt).
    case unexpectedChunk(rank: Int, detail: String)
    /// The left neighbour sends Float sums in the other wire format (`AllReduceSettings.wire`): every rank of a group
    /// must use the same one, and none converts silently.
    case encodingMismatch(rank: Int, peer: Int, expected: String, received: String)
    /// A chunk from `peer` whose payload does not match the CRC32C its header carries (`expected`): damaged on the
    /// way, or sent by something that is not a rank of this run. `authenticated` says whether the link used CURVE.
    case checksumMismatch(
        rank: Int, peer: Int, collective: UInt64, ringStep: Int, chunk: UInt32, expected: UInt32, computed: UInt32,
        authenticated: Bool)
    /// Replicas hold different parameters (found by the periodic checksum exchange).
    case replicasDiverged(step: Int, checksums: [UInt32])
    /// The group description is unusable (rank out of range, endpoint count, …).
    case invalidGroup(String)
    /// A ZeroMQ call failed.
    case transport(ZMQError)
    /// The run was cancelled while this rank waited for a chunk (`AllReduceGroup.isCancelled`).
    case cancelled(rank: Int)

    public var description: String {
        switch self {
        case .peerTimeout(let rank, let peer, let milliseconds, let foreignMessages):
            "all-reduce rank \(rank): peer rank \(peer) silent for \(milliseconds) ms (dead or hung)"
                + (foreignMessages > 0
                    ? "; \(foreignMessages) messages that were not this run's chunks reached its ring port and were "
                        + "dropped (a stray sender, or a rank of an earlier attempt)" : "")
        case .unexpectedChunk(let rank, let detail):
            "all-reduce rank \(rank): unexpected chunk: \(detail)"
        case .encodingMismatch(let rank, let peer, let expected, let received):
            "all-reduce rank \(rank): peer rank \(peer) sends \(received) chunks where this rank uses \(expected): "
                + "every rank of a group must use the same all-reduce wire format"
        case .checksumMismatch(
            let rank, let peer, let collective, let ringStep, let chunk, let expected, let computed, let authenticated):
            "all-reduce rank \(rank): chunk \(chunk) of ring step \(ringStep) in collective \(collective) from peer rank "
                + "\(peer) fails its CRC32C (header \(Self.hex(expected)), payload \(Self.hex(computed))): the payload "
                + (authenticated
                    ? "was damaged on the authenticated (CURVE) link"
                    : "was damaged in transit or sent by something other than the peer (the link has no CURVE, so "
                        + "anything that reaches the ring port can send)")
        case .replicasDiverged(let step, let checksums):
            "replicas diverged at step \(step): parameter checksums by rank \(checksums)"
        case .invalidGroup(let reason):
            "invalid all-reduce group: \(reason)"
        case .transport(let error):
            "all-reduce transport: \(error)"
        case .cancelled(let rank):
            "all-reduce rank \(rank): the run was cancelled"
        }
    }

    /// A checksum as eight hex digits.
    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Whether the trial may be retried on another group from its checkpoint (a lost peer is; divergence is not).
    public var isRetryable: Bool {
        switch self {
        case .peerTimeout, .unexpectedChunk, .checksumMismatch, .transport, .cancelled: true
        case .replicasDiverged, .invalidGroup, .encodingMismatch: false
        }
    }

    /// The worker's trial-failure form of this error.
    public var trialRunError: TrialRunError {
        TrialRunError(self.description, retryable: self.isRetryable)
    }
}
