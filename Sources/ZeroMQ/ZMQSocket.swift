import CZeroMQ

/// One ZeroMQ socket.
///
/// Not `Sendable`: libzmq sockets are not thread safe, so a socket is created, used and closed on the one thread
/// that owns it. Every socket starts with `ZMQ_LINGER` 0 so that closing it never blocks on unsent messages.
public final class ZMQSocket {
    /// The socket's pattern.
    public let type: ZMQSocketType
    /// Keeps the context alive for as long as the socket exists.
    let context: ZMQContext
    private var rawHandle: UnsafeMutableRawPointer?

    /// Creates a socket of `type` in `context` with linger 0.
    /// - Throws: `ZMQError` (`ETERM` once the context is shut down, `EMFILE` when out of sockets).
    public init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("create \(type) socket")
        }
        self.type = type
        self.context = context
        self.rawHandle = handle
        try self.setLinger(milliseconds: 0)
    }

    deinit {
        self.close()
    }

    /// The libzmq handle, or a `ENOTSOCK` error once the socket is closed.
    func handle(for operation: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle = self.rawHandle else { throw ZMQError(operation: operation(), code: ENOTSOCK) }
        return handle
    }

    /// True until `close()` is called.
    public var isOpen: Bool { self.rawHandle != nil }

    // MARK: - Endpoints

    /// Binds to `endpoint` (`tcp://127.0.0.1:5555`, `tcp://127.0.0.1:*` for a free port, `inproc://name`).
    /// - Throws: `ZMQError` (`EADDRINUSE`, `EINVAL` for a malformed endpoint, …).
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try self.handle(for: "bind \(endpoint)")
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
    }

    /// Stops listening on `endpoint` bound by `bind`. For `inproc://` endpoints the name is free when this returns
    /// (`close()` frees it only later, on libzmq's reaper thread).
    /// - Throws: `ZMQError` (`ENOENT` if it was not bound).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try self.handle(for: "unbind \(endpoint)")
        guard zmq_unbind(handle, endpoint) == 0 else { throw ZMQError.last("unbind \(endpoint)") }
    }

    /// Connects to `endpoint`; the connection is made (and remade) in the background.
    /// - Throws: `ZMQError` for a malformed endpoint or a closed socket.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try self.handle(for: "connect \(endpoint)")
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect \(endpoint)") }
    }

    /// Drops the connection to `endpoint` made by `connect`.
    /// - Throws: `ZMQError` (`ENOENT` if it was not connected).
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try self.handle(for: "disconnect \(endpoint)")
        guard zmq_disconnect(handle, endpoint) == 0 else { throw ZMQError.last("disconnect \(endpoint)") }
    }

    /// The endpoint of the last `bind`, with the port filled in when it was bound to `*`.
    /// - Throws: `ZMQError` if the option cannot be read.
    public func lastEndpoint() throws(ZMQError) -> String {
        let bytes = try self.bytesOption(ZMQ_LAST_ENDPOINT, capacity: 1024, name: "ZMQ_LAST_ENDPOINT")
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Closes the socket now; later calls on it throw `ENOTSOCK`. Called by `deinit` if not called before.
    public func close() {
        if let handle = self.rawHandle {
            zmq_close(handle)
            self.rawHandle = nil
        }
    }
}
