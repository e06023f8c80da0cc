import Foundation
import HTTPServing

/// The coordinator's web dashboard: HTML pages with SVG plots, JSON and Prometheus metrics, all rebuilt from the
/// study database (read-only) on every request, so they stay right across coordinator restarts.
///
/// It serves from an ``HTTPServer``'s own threads, so neither a slow client nor a slow page delays the
/// coordinator's loop or other clients.
///
/// ```
/// let dashboard = DashboardServer()
/// let address = try dashboard.start(studyDirectory: dir, bind: "127.0.0.1:8080", tokenFile: nil)
/// …
/// dashboard.stop()
/// ```
public final class DashboardServer: Sendable {
    private let server = HTTPServer(name: "mixrec-dashboard")
    private let objective: String
    private let maximize: Bool

    /// - Parameters:
    ///   - objective: the metric that ranks trials and is plotted, e.g. `"valid/ndcg@10"`.
    ///   - maximize: whether larger objective values are better.
    public init(objective: String = "valid/ndcg@10", maximize: Bool = true) {
        self.objective = objective
        self.maximize = maximize
    }

    /// Starts serving `studyDirectory`'s database.
    /// - Parameters:
    ///   - bind: `HOST:PORT` (IPv4; port 0 picks a free one). Use 127.0.0.1 unless others must reach it; on
    ///     loopback, requests whose `Host` is not a loopback name are answered 421 (a DNS-rebinding defence).
    ///   - tokenFile: a file holding a bearer token; when given, every request needs
    ///     `Authorization: Bearer <token>`.
    /// - Returns: the address actually bound (with the port filled in).
    /// - Throws: `HTTPServerError` for a bad address, an unreadable token file or a failed bind.
    @discardableResult
    public func start(studyDirectory: URL, bind: String = "127.0.0.1:8080", tokenFile: URL? = nil)
        throws(HTTPServerError) -> BindAddress
    {
        let token = try tokenFile.map { url throws(HTTPServerError) in try BearerToken(contentsOf: url) }
        let router = DashboardRouter(
            studyDirectory: studyDirectory, token: token, objective: self.objective, maximize: self.maximize,
            loopbackOnly: try BindAddress(parsing: bind).isLoopback)
        return try self.server.start(bind: bind, handler: router)
    }

    /// Stops accepting connections and closes the listening socket (connections being served finish).
    public func stop() {
        self.server.stop()
    }
}
