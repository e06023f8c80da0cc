import HTTPServing
import RecData
import TestKit
import Testing

/// `mixrec serve`'s `/metrics`: requests by route and status and a latency histogram, in Prometheus text.
@Suite(.enabled(if: SharedData.modelAvailable, "needs the SmolLM2 model in ../shared/models"))
struct ServeMetricsTests {
    @Test func metricsCountTheRequestsMade() throws {
        try ServedRun.serving { run, client, _ in
            let user = run.dataset.userIDs[2]
            for _ in 0..<3 { #expect(try client.recommend(#"{"user": "\#(user)", "k": 4}"#).status == 200) }
            #expect(try client.recommend(#"{"user": "nobody"}"#).status == 400)
            #expect(try client.recommend("{").status == 400)
            #expect(try client.request("/healthz").status == 200)
            #expect(try client.request("/items/\(run.dataset.itemIDs[0])").status == 200)
            #expect(try client.request("/elsewhere").status == 404)

            let response = try client.request("/metrics")
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try PrometheusExposition(parsing: response.body)
            #expect(metrics.families["mixrec_serve_requests_total"]?.type == "counter")
            #expect(metrics.families["mixrec_serve_request_seconds"]?.type == "histogram")
            let counts: [(String, String, Double)] = [
                ("/recommend", "200", 3), ("/recommend", "400", 2), ("/healthz", "200", 1), ("/items/{id}", "200", 1),
                ("unmatched", "404", 1),
            ]
            for (route, status, count) in counts {
                #expect(metrics.value("mixrec_serve_requests_total", ["route": route, "status": status]) == count)
            }
            // Only the requests above: this /metrics request is counted after its answer is built.
            #expect(metrics.samples.filter { $0.name == "mixrec_serve_requests_total" }.count == counts.count)

            let buckets = metrics.samples.filter {
                $0.name == "mixrec_serve_request_seconds_bucket" && $0.labels["route"] == "/recommend"
            }
            #expect(buckets.count == 14 && buckets.last?.labels["le"] == "+Inf" && buckets.last?.value == 5)
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value })
            #expect(metrics.value("mixrec_serve_request_seconds_count", ["route": "/recommend"]) == 5)
            let seconds = try #require(metrics.value("mixrec_serve_request_seconds_sum", ["route": "/recommend"]))
            #expect(seconds > 0 && seconds < 60)

            // The next scrape counts the previous one.
            let again = try PrometheusExposition(parsing: try client.request("/metrics").body)
            #expect(again.value("mixrec_serve_requests_total", ["route": "/metrics", "status": "200"]) == 1)
        }
    }
}
