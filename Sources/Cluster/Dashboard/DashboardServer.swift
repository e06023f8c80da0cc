import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The coordinator's web dashboard: HTML pages with SVG plots, JSON and Prometheus metrics, all rebuilt from the
/// study database (read-only) on every request, so they stay right across coordinator restarts.
///
/// It serves from its own threads: one accepts connections, each connection gets a short-lived thread with
/// socket timeouts, so neither a slow client nor a slow page delays the coordinator's loop or other clients.
///
/// ```
/// let dashboard = DashboardServer()
/// let address = try dashboard.start(studyDirectory: dir, bind: "127.0.0.1:8080", tokenFile: nil)
/// …
/// dashboard.stop()
/// ```
public final class DashboardServer: Sendable {
    /// Connections served at the same time; more are answered 503 at once.
    public static let maxConnections = 32
    /// How long one connection may take to send its request or receive the response.
    public static let ioTimeoutSeconds = 5

    private let listener = Mutex<Listener?>(nil)
    private let objective: String
    private let maximize: Bool

    /// - Parameters:
    ///   - objective: the metric that ranks trials and is plotted, e.g. `"valid/ndcg@10"`.
    ///   - maximize: whether larger objective values are better.
    public init(objective: String = "valid/ndcg@10", maximize: Bool = true) {
        self.objective = objective
        self.maximize = maximize
    }

    deinit { self.stop() }

    /// Starts serving `studyDirectory`'s database.
    /// - Parameters:
    ///   - bind: `HOST:PORT` (IPv4; port 0 picks a free one). Use 127.0.0.1 unless others must reach it.
    ///   - tokenFile: a file holding a bearer token; when given, every request needs
    ///     `Authorization: Bearer <token>`.
    /// - Returns: the address actually bound (with the port filled in).
    /// - Throws: `DashboardError` for a bad address, an unreadable token file or a failed bind.
    @discardableResult
    public func start(studyDirectory: URL, bind: String = "127.0.0.1:8080", tokenFile: URL? = nil)
        throws(DashboardError) -> BindAddress
    {
        let address = try BindAddress(parsing: bind)
        let token = try tokenFile.map { url throws(DashboardError) in try Self.readToken(url) }
        let router = DashboardRouter(
            studyDirectory: studyDirectory, token: token, objective: self.objective, maximize: self.maximize)
        return try self.listener.withLock { current throws(DashboardError) in
            guard current == nil else { throw .alreadyStarted }
            let listener = try Listener(address: address, router: router)
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

    private static func readToken(_ url: URL) throws(DashboardError) -> [UInt8] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .tokenFile(path: url.path, message: "\(error.localizedDescription)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .tokenFile(path: url.path, message: "the file is empty") }
        return Array(token.utf8)
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

    init(address: BindAddress, router: DashboardRouter) throws(DashboardError) {
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
        let thread = Thread { [self] in self.acceptLoop(router: router) }
        thread.name = "mixrec-dashboard"
        thread.start()
    }

    func stop() {
        guard !self.stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.acceptLoopDone.wait()
        close(self.descriptor)
    }

    private func acceptLoop(router: DashboardRouter) {
        defer { self.acceptLoopDone.signal() }
        var poller = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        while !self.stopping.load(ordering: .acquiring) {
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(self.descriptor, nil, nil)
            guard connection >= 0 else { continue }
            guard self.active.add(1, ordering: .relaxed).newValue <= DashboardServer.maxConnections else {
                self.active.subtract(1, ordering: .relaxed)
                DashboardConnection(socket: connection).write(.text(503, "too many connections"), includeBody: true)
                close(connection)
                continue
            }
            let thread = Thread { [self] in
                DashboardConnection(socket: connection).serve(router: router)
                close(connection)
                self.active.subtract(1, ordering: .relaxed)
            }
            thread.name = "mixrec-dashboard-connection"
            thread.start()
        }
    }
}
