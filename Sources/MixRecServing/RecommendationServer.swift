import HTTPServing

/// `mixrec serve`: a trained run's recommendations as a JSON API over HTTP, from an ``HTTPServer``'s threads.
///
/// Routes: `POST /recommend` (`{"user": ID, "k": 10}` or `{"history": [ID, …], "k": 10}` →
/// `{"items": [{"item", "score", "title"}, …]}`), `GET /items/ID`, `GET /healthz` (with the known users' cache's
/// `cached_users` of `cacheable_users` when it is on) and `GET /metrics` (Prometheus text: requests by route and
/// status, a latency histogram per route, recommendations by source, cache or live, and the cache's progress). Bad
/// input gets a 400 with `{"error": "message"}`; the server keeps serving.
///
/// ```
/// let service = RecommendationService(model: run.model, dataset: run.data.dataset, userCache: UserCacheOptions())
/// let server = RecommendationServer(service: service)
/// let address = try server.start(bind: "127.0.0.1:8090", token: nil)
/// …
/// server.stop()
/// ```
public final class RecommendationServer: Sendable {
    /// The address `mixrec serve` binds when not told otherwise.
    public static let defaultBind = "127.0.0.1:8090"

    /// The prefix of the names in `/metrics`.
    static let metricsPrefix = "mixrec_serve"

    /// The requests answered so far, as `/metrics` shows them.
    public let metrics = RequestMetrics(prefix: RecommendationServer.metricsPrefix)
    private let service: RecommendationService
    private let server = HTTPServer(name: "mixrec-serve")

    /// - Parameter service: the model and dataset to answer from.
    public init(service: RecommendationService) {
        self.service = service
    }

    /// Starts serving.
    /// - Parameters:
    ///   - bind: `HOST:PORT` (IPv4; port 0 picks a free one). Use 127.0.0.1 unless others must reach it.
    ///   - token: when given, every request needs `Authorization: Bearer <token>` (401 otherwise).
    /// - Returns: the address actually bound (with the port filled in).
    /// - Throws: `HTTPServerError` for a bad address, a failed bind or a server already started.
    @discardableResult
    public func start(bind: String = RecommendationServer.defaultBind, token: BearerToken? = nil)
        throws(HTTPServerError) -> BindAddress
    {
        try self.server.start(
            bind: bind, handler: ServeRouter(service: self.service, token: token, metrics: self.metrics))
    }

    /// Stops accepting connections and closes the listening socket (requests being answered finish).
    public func stop() {
        self.server.stop()
    }
}
