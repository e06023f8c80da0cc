import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small blocking HTTP/1.1 server (one request per connection) for the dashboard and `mixrec serve`.
///
/// It serves from its own threads: one accepts connections, each connection gets a short-lived thread with
/// socket timeouts, so neither a slow client nor a slow response delays the caller or other clients.
///
/// ```
/// let server = HTTPServer(name: "mixrec-dashboard")
/// let address = try server.start(bind: "127.0.0.1:8080", handler: router)
/// …
/// server.stop()
/// ```
public final class HTTPServer: Sendable {
    /// Connections served at the same time; more are answered 503 at once.
    public static let maxConnections = 32
    /// The default of ``requestTimeout``.
    public static let defaultRequestTimeout = Duration.seconds(5)

    private let listener = Mutex<Listener?>(nil)
    private let name: String
    /// How long a connection may take to send its whole request (however it trickles in), and separately to take
    /// the response; a slot is never held longer by a slow client.
    public let requestTimeout: Duration

    /// - Parameters:
    ///   - name: the name of the server's threads, e.g. `mixrec-dashboard`.
    ///   - requestTimeout: ``requestTimeout``.
    public init(name: String, requestTimeout: Duration = HTTPServer.defaultRequestTimeout) {
        self.name = name
        self.requestTimeout = requestTimeout
    }

    deinit { self.stop() }

    /// Starts accepting connections, answered by `handler`.
    /// - Parameter bind: `HOST:PORT` (IPv4; port 0 picks a free one). Use 127.0.0.1 unless others must reach it.
    /// - Returns: the address actually bound (with the port filled in).
    /// - Throws: ``HTTPServerError`` for a bad address, a failed bind or a server already started.
    @discardableResult
    public func start(bind: String, handler: some HTTPHandler) throws(HTTPServerError) -> BindAddress {
        let address = try BindAddress(parsing: bind)
        return try self.listener.withLock { current throws(HTTPServerError) in
            guard current == nil else { throw .alreadyStarted }
            let listener = try Listener(
                address: address, handler: handler, name: self.name, requestTimeout: self.requestTimeout)
            current = listener
            return listener.bound
        }
    }

    /// Stops accepting connections and closes the listening socket (connections being served finish).
    public func stop() {
        let listener = self.listener.withLock { current in
            defer { current = nil }
            return current
        }
        listener?.stop()
    }
}

// MARK: - Listening socket and accept thread

/// One bound socket with its accept thread.
private final class Listener: Sendable {
    let bound: BindAddress
    private let descriptor: Int32
    private let stopping = Atomic<Bool>(false)
    private let active = Atomic<Int>(0)
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    #if os(Linux)
        private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        private static let streamType = SOCK_STREAM
    #endif

    init(address: BindAddress, handler: some HTTPHandler, name: String, requestTimeout: Duration)
        throws(HTTPServerError)
    {
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw .socket(operation: "socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard var socketAddress = address.socketAddress() else {
            close(fd)
            throw .badAddress(address.description)
        }
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw .socket(operation: "bind/listen \(address)", errno: code)
        }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        self.descriptor = fd
        self.bound = BindAddress(host: address.host, port: UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in self.acceptLoop(handler: handler, name: name, requestTimeout: requestTimeout) }
        thread.name = name
        thread.start()
    }

    func stop() {
        guard !self.stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.acceptLoopDone.wait()
        close(self.descriptor)
    }

    private func acceptLoop(handler: some HTTPHandler, name: String, requestTimeout: Duration) {
        defer { self.acceptLoopDone.signal() }
        var poller = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        while !self.stopping.load(ordering: .acquiring) {
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(self.descriptor, nil, nil)
            guard connection >= 0 else { continue }
            guard self.active.add(1, ordering: .relaxed).newValue <= HTTPServer.maxConnections else {
                self.active.subtract(1, ordering: .relaxed)
                HTTPConnection(socket: connection).write(handler.reject(503, "too many connections"), includeBody: true)
                close(connection)
                continue
            }
            let thread = Thread { [self] in
                HTTPConnection(socket: connection).serve(handler: handler, timeout: requestTimeout)
                close(connection)
                self.active.subtract(1, ordering: .relaxed)
            }
            thread.name = name + "-connection"
            thread.start()
        }
    }
}
