import ClusterProto

/// A message from a worker the coordinator holds back while the study store is failing, with the connection it
/// came on, to be handled in arrival order once the store works again.
public struct DeferredMessage: Sendable, Equatable {
    /// The sender's ROUTER routing id.
    public var identity: [UInt8]
    /// The CURVE key the sender's connection authenticated with (nil without CURVE).
    public var key: String?
    public var message: WireMessage

    public init(identity: [UInt8], key: String?, message: WireMessage) {
        self.identity = identity
        self.key = key
        self.message = message
    }

    /// Bytes held: the raw frames (checkpoint uploads) dominate.
    var byteCount: Int { self.message.blobs.reduce(self.identity.count + 256) { $0 + $1.count } }
}

/// The bounded first-in, first-out queue of `DeferredMessage`s.
///
/// Heartbeats are coalesced: a heartbeat replaces the previous one of the same connection when nothing from that
/// connection was queued after it (the newer one says all the older one did). A Hello the same connection already
/// queued for the same worker incarnation is dropped (workers repeat Hello until welcomed), and so is a copy of a
/// result, checkpoint upload or failure the same connection already queued (workers re-send reports until they are
/// acknowledged, and a paused coordinator acknowledges nothing). Anything else is kept
/// in order until `maxMessages` messages or `maxBytes` bytes are held; then it is refused. Pure.
public struct DeferredMessages: Sendable {
    /// What `append` did with a message.
    public enum Admission: Equatable, Sendable {
        /// Queued at the end.
        case queued
        /// Folded into one already queued (a newer heartbeat, a repeated Hello, a re-sent report).
        case coalesced
        /// Not queued: the queue holds `maxMessages` messages or `maxBytes` bytes.
        case full
    }

    /// The most messages held.
    public let maxMessages: Int
    /// The most bytes held (see `DeferredMessage.byteCount`).
    public let maxBytes: Int
    public private(set) var messages: [DeferredMessage] = []
    public private(set) var bytes = 0

    /// An empty queue with these bounds.
    public init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    public var isEmpty: Bool { self.messages.isEmpty }
    public var count: Int { self.messages.count }

    /// Queues `item`, coalescing heartbeats and repeated Hellos (see the type's description).
    public mutating func append(_ item: DeferredMessage) -> Admission {
        let last = self.messages.lastIndex { $0.identity == item.identity }
        switch item.message.envelope.body {
        case .heartbeat:
            if let last, case .heartbeat = self.messages[last].message.envelope.body {
                self.bytes += item.byteCount - self.messages[last].byteCount
                self.messages[last] = item
                return .coalesced
            }
        case .hello(let hello):
            let repeated = self.messages.contains { queued in
                guard queued.identity == item.identity, case .hello(let earlier) = queued.message.envelope.body
                else { return false }
                return earlier.workerID == hello.workerID && earlier.incarnation == hello.incarnation
            }
            if repeated { return .coalesced }
        case .result, .checkpoint, .failure, .warmStart:
            // A worker re-sends an unacknowledged report unchanged (same sequence number): the queued copy will be
            // handled and acknowledged, which stops the re-sends.
            if self.messages.contains(where: { $0.identity == item.identity && $0.message == item.message }) {
                return .coalesced
            }
        default:
            break
        }
        guard self.messages.count < self.maxMessages, self.bytes + item.byteCount <= self.maxBytes else {
            return .full
        }
        self.messages.append(item)
        self.bytes += item.byteCount
        return .queued
    }

    /// Removes and returns the oldest message.
    public mutating func popFirst() -> DeferredMessage? {
        guard !self.messages.isEmpty else { return nil }
        let first = self.messages.removeFirst()
        self.bytes -= first.byteCount
        return first
    }
}
