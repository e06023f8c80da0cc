import Synchronization

/// Counts a server's requests by route and status and keeps a latency histogram per route, for its `/metrics`.
/// Thread-safe.
public final class RequestMetrics: Sendable {
    /// The histogram's upper bounds in seconds (a `+Inf` bucket follows).
    public static let bucketBounds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct Latency {
        /// Per bound of ``RequestMetrics/bucketBounds``, the requests that took at most that long.
        var buckets = [Int](repeating: 0, count: RequestMetrics.bucketBounds.count)
        var count = 0
        var sum = 0.0
    }

    private struct Totals {
        var requests: [RouteStatus: Int] = [:]
        var latencies: [String: Latency] = [:]
    }

    private struct RouteStatus: Hashable {
        var route: String
        var status: Int
    }

    private let prefix: String
    private let totals = Mutex(Totals())

    /// - Parameter prefix: the metric names' prefix, e.g. `mixrec_serve` for `mixrec_serve_requests_total`.
    public init(prefix: String) {
        self.prefix = prefix
    }

    /// Records one answered request.
    /// - Parameters:
    ///   - route: the route it matched, e.g. `/items/{id}` (a bounded set of values, not the raw path).
    ///   - status: the response's status code.
    ///   - seconds: how long answering took.
    public func record(route: String, status: Int, seconds: Double) {
        self.totals.withLock { totals in
            totals.requests[RouteStatus(route: route, status: status), default: 0] += 1
            var latency = totals.latencies[route, default: Latency()]
            for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound {
                latency.buckets[index] += 1
            }
            latency.count += 1
            latency.sum += seconds
            totals.latencies[route] = latency
        }
    }

    /// Appends `<prefix>_requests_total{route,status}` and the histogram `<prefix>_request_seconds{route}`.
    public func write(to out: inout PrometheusText) {
        let totals = self.totals.withLock { $0 }
        let requests = self.prefix + "_requests_total"
        out.family(requests, .counter, help: "Requests answered, by route and status code.")
        let keys = totals.requests.keys.sorted { ($0.route, $0.status) < ($1.route, $1.status) }
        for key in keys {
            out.sample(
                requests, [("route", key.route), ("status", "\(key.status)")], Double(totals.requests[key] ?? 0))
        }
        let seconds = self.prefix + "_request_seconds"
        out.family(seconds, .histogram, help: "Seconds from a request read to its response built, by route.")
        for (route, latency) in totals.latencies.sorted(by: { $0.key < $1.key }) {
            for (bound, count) in zip(Self.bucketBounds, latency.buckets) {
                out.sample(
                    seconds + "_bucket", [("route", route), ("le", PrometheusText.format(bound))], Double(count))
            }
            out.sample(seconds + "_bucket", [("route", route), ("le", "+Inf")], Double(latency.count))
            out.sample(seconds + "_sum", [("route", route)], latency.sum)
            out.sample(seconds + "_count", [("route", route)], Double(latency.count))
        }
    }
}
