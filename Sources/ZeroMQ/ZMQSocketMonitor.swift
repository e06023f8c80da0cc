import CZeroMQ

/// A connection event libzmq reports for a monitored socket.
public struct ZMQSocketEvent: Sendable, Equatable {
    /// The event kinds MixRec watches.
    public enum Kind: Sendable, Equatable {
        /// A peer's connection was accepted.
        case accepted
        /// A connection closed: the peer closed it, the network failed, or libzmq dropped it for a protocol
        /// error, such as a frame above `ZMQ_MAXMSGSIZE`. libzmq 4.3 does not say which.
        case disconnected
        /// Any other event, by its `ZMQ_EVENT_*` value.
        case other(UInt16)
    }

    /// What happened.
    public let kind: Kind
    /// The endpoint the event concerns (the local bound endpoint for a listening socket).
    public let endpoint: String
}

/// Reads the events of one socket (`zmq_socket_monitor`) from a PAIR socket; owned by the thread that owns the
/// monitored socket.
public final class ZMQSocketMonitor {
    /// The PAIR socket the events arrive on, to poll together with the monitored socket.
    public let socket: ZMQSocket

    /// Starts monitoring `monitored` for `ZMQ_EVENT_ACCEPTED` and `ZMQ_EVENT_DISCONNECTED` on `inproc://name`.
    /// - Throws: `ZMQError` if libzmq refuses the monitor (a name in use, a closed socket).
    public init(_ monitored: ZMQSocket, name: String) throws(ZMQError) {
        let endpoint = "inproc://\(name)"
        let handle = try monitored.handle(for: "monitor \(endpoint)")
        guard zmq_socket_monitor(handle, endpoint, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) == 0 else {
            throw ZMQError.last("monitor \(endpoint)")
        }
        self.socket = try ZMQSocket(context: monitored.context, type: .pair)
        try self.socket.connect(endpoint)
    }

    /// The next queued event, or nil when none is queued. A malformed event message is skipped.
    /// - Throws: `ZMQError` if receiving fails (`ETERM` after the context shut down).
    public func next() throws(ZMQError) -> ZMQSocketEvent? {
        while let frames = try self.socket.receive(maxFrames: 2, dontWait: true) {
            // Frame 1: the event (16 bits) and its value (32 bits), native byte order; frame 2: the endpoint.
            guard frames.count == 2, frames[0].count == 6 else { continue }
            let event = frames[0].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
            let kind: ZMQSocketEvent.Kind =
                switch Int32(event) {
                case ZMQ_EVENT_ACCEPTED: .accepted
                case ZMQ_EVENT_DISCONNECTED: .disconnected
                default: .other(event)
                }
            return ZMQSocketEvent(kind: kind, endpoint: String(decoding: frames[1], as: UTF8.self))
        }
        return nil
    }
}
