import CZeroMQ

/// Which readiness a poll asks about or reports.
public struct ZMQPollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one whole message can be received without blocking.
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets at once with `zmq_poll` (one thread serving a ROUTER and a wake-up socket, say).
///
/// Not `Sendable`: it refers to sockets, which belong to one thread.
public struct ZMQPoller {
    private var sockets: [ZMQSocket] = []
    private var interests: [ZMQPollEvents] = []

    /// Creates an empty poller.
    public init() {}

    /// Adds `socket`, asking about `events`.
    /// - Returns: the socket's index in the array `poll` returns.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: ZMQPollEvents = .readable) -> Int {
        self.sockets.append(socket)
        self.interests.append(events)
        return self.sockets.count - 1
    }

    /// Waits until a socket is ready or `timeoutMilliseconds` pass (-1 waits forever, 0 only checks).
    /// - Returns: the ready events of each socket, in the order they were added (empty sets on timeout).
    /// - Throws: `ZMQError` (`ETERM` after the context shut down, `ENOTSOCK` for a closed socket).
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> [ZMQPollEvents] {
        var items: [zmq_pollitem_t] = []
        items.reserveCapacity(self.sockets.count)
        for (socket, events) in zip(self.sockets, self.interests) {
            let handle = try socket.handle(for: "poll")
            items.append(zmq_pollitem_t(socket: handle, fd: -1, events: events.rawValue, revents: 0))
        }
        while true {
            let status = items.withUnsafeMutableBufferPointer {
                zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds)
            }
            if status >= 0 { break }
            let code = zmq_errno()
            if code == EINTR { continue }
            throw ZMQError(operation: "poll \(items.count) sockets", code: code)
        }
        return items.map { ZMQPollEvents(rawValue: $0.revents) }
    }
}
