import Foundation
import HTTPServing
import MixRec
import RecData

/// Maps `mixrec serve`'s requests to responses: every answer is JSON (errors `{"error": "message"}`) except
/// `/metrics`, and every request is counted and timed in ``metrics``.
struct ServeRouter: HTTPHandler {
    let service: RecommendationService
    /// The bearer token requests must carry, nil when the API is open.
    let token: BearerToken?
    let metrics: RequestMetrics

    /// A route: its label in the metrics and the methods it answers.
    private enum Route: String {
        case recommend = "/recommend"
        case item = "/items/{id}"
        case health = "/healthz"
        case metrics = "/metrics"

        /// The metrics label of requests that match no route.
        static let unmatched = "unmatched"

        /// The route `path` matches, nil when none does.
        init?(path: String) {
            switch path {
            case "/recommend": self = .recommend
            case "/healthz": self = .health
            case "/metrics": self = .metrics
            default:
                guard path.hasPrefix("/items/"), path.count > "/items/".count else { return nil }
                self = .item
            }
        }

        var methods: [String] { self == .recommend ? ["POST"] : ["GET", "HEAD"] }
    }

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let clock = ContinuousClock()
        let started = clock.now
        let route = Route(path: request.path)
        let response = self.answer(request, route: route)
        let elapsed = (clock.now - started) / .seconds(1)
        self.metrics.record(route: route?.rawValue ?? Route.unmatched, status: response.status, seconds: elapsed)
        return response
    }

    func reject(_ status: Int, _ message: String) -> HTTPResponse {
        Self.error(status, message)
    }

    private func answer(_ request: HTTPRequest, route: Route?) -> HTTPResponse {
        guard self.token?.authorizes(request) ?? true else {
            return Self.error(401, "missing or wrong bearer token", headers: [BearerToken.challenge])
        }
        guard let route else {
            return Self.error(
                404,
                "no route \(request.path); the routes are POST /recommend, GET /items/ID, GET /healthz, GET /metrics")
        }
        guard route.methods.contains(request.method) else {
            let allowed = route.methods.joined(separator: ", ")
            return Self.error(
                405, "\(route.rawValue) answers \(allowed), not \(request.method)", headers: [("Allow", allowed)])
        }
        switch route {
        case .recommend:
            do {
                let body = try RecommendRequest(request)
                let items =
                    switch body.subject {
                    case .user(let user): try self.service.recommend(user: user, k: body.k)
                    case .history(let history): try self.service.recommend(history: history, k: body.k)
                    }
                return Self.json(200, Recommendations(items: items))
            } catch {
                return Self.error(400, error.description)
            }
        case .item:
            let raw = String(request.path.dropFirst("/items/".count))
            let id = raw.removingPercentEncoding ?? raw
            guard let title = self.service.title(ofItem: id) else {
                return Self.error(404, "no item \"\(id)\" in the dataset")
            }
            return Self.json(200, Item(item: id, title: title))
        case .health:
            let dataset = self.service.dataset
            let cache = self.service.userCacheProgress
            return Self.json(
                200,
                Health(
                    status: "ok", users: dataset.userCount, items: dataset.itemCount, cachedUsers: cache?.cached,
                    cacheableUsers: cache?.total))
        case .metrics:
            var out = PrometheusText()
            self.metrics.write(to: &out)
            self.service.writeMetrics(to: &out, prefix: RecommendationServer.metricsPrefix)
            return HTTPResponse(status: 200, contentType: PrometheusText.contentType, body: out.text)
        }
    }

    // MARK: - JSON bodies

    private struct Recommendations: Encodable {
        var items: [RecommendedItem]
    }

    private struct Item: Encodable {
        var item: String
        var title: String
    }

    /// `cached_users` of `cacheable_users` tell how far the known users' cache is (both absent when it is off).
    private struct Health: Encodable {
        var status: String
        var users: Int
        var items: Int
        var cachedUsers: Int?
        var cacheableUsers: Int?

        private enum CodingKeys: String, CodingKey {
            case status, users, items
            case cachedUsers = "cached_users"
            case cacheableUsers = "cacheable_users"
        }
    }

    private struct Failure: Encodable {
        var error: String
    }

    private static func error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        Self.json(status, Failure(error: message), headers: headers)
    }

    private static func json(_ status: Int, _ value: some Encodable, headers: [(String, String)] = []) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
        guard let body else {
            return HTTPResponse(status: 500, contentType: "application/json", body: #"{"error": "encoding failed"}"#)
        }
        return HTTPResponse(status: status, contentType: "application/json", body: body + "\n", extraHeaders: headers)
    }
}
