import HTTPServing
import TestKit
import Testing

/// Request counts and latency histograms in Prometheus text.
@Suite struct RequestMetricsTests {
    @Test func countsAndHistogramsParseAndAddUp() throws {
        let metrics = RequestMetrics(prefix: "demo")
        for seconds in [0.0005, 0.003, 0.003, 0.2, 30] { metrics.record(route: "/a", status: 200, seconds: seconds) }
        metrics.record(route: "/a", status: 400, seconds: 0.001)
        metrics.record(route: "/b \"q\"", status: 404, seconds: 0.02)
        var out = PrometheusText()
        metrics.write(to: &out)
        let parsed = try PrometheusExposition(parsing: out.text)
        #expect(parsed.families["demo_requests_total"]?.type == "counter")
        #expect(parsed.families["demo_request_seconds"]?.type == "histogram")
        #expect(parsed.value("demo_requests_total", ["route": "/a", "status": "200"]) == 5)
        #expect(parsed.value("demo_requests_total", ["route": "/a", "status": "400"]) == 1)
        #expect(parsed.value("demo_requests_total", ["route": "/b \"q\"", "status": "404"]) == 1)
        let bucket = { (le: String) in parsed.value("demo_request_seconds_bucket", ["route": "/a", "le": le]) }
        #expect(bucket("0.001") == 2)
        #expect(bucket("0.0025") == 2)
        #expect(bucket("0.005") == 4)
        #expect(bucket("0.25") == 5)
        #expect(bucket("10") == 5)
        #expect(bucket("+Inf") == 6)
        #expect(parsed.value("demo_request_seconds_count", ["route": "/a"]) == 6)
        let sum = try #require(parsed.value("demo_request_seconds_sum", ["route": "/a"]))
        #expect(abs(sum - 30.2075) < 1e-9)
    }
}
