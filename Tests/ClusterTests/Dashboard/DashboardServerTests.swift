import Cluster
import Foundation
import HTTPServing
import TestKit
import Testing

/// The dashboard served over loopback against a study written through `StudyStore`.
@Suite struct DashboardServerTests {
    private func serving(
        tokenFile: URL? = nil, _ body: (DashboardStudyFixture, LoopbackClient) throws -> Void
    ) throws {
        let fixture = try DashboardStudyFixture()
        let server = DashboardServer()
        let address = try server.start(
            studyDirectory: fixture.directory.url, bind: "127.0.0.1:0", tokenFile: tokenFile)
        defer { server.stop() }
        #expect(address.host == "127.0.0.1" && address.port != 0)
        try body(fixture, LoopbackClient(port: address.port))
    }

    @Test func metricsParseAndMatchTheDatabase() throws {
        try self.serving { fixture, client in
            let response = try client.request("/metrics")
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let metrics = try PrometheusExposition(parsing: response.body)
            let trials = try fixture.store.trials()
            for state in [TrialState.waiting, .running, .complete, .pruned, .failed] {
                let expected = Double(trials.count { $0.state == state })
                #expect(metrics.value("mixrec_trials", ["state": state.rawValue]) == expected)
            }
            #expect(metrics.families["mixrec_trials"]?.type == "gauge")
            #expect(metrics.families["mixrec_trials"]?.help == "Trials by state.")
            #expect(metrics.value("mixrec_study_budget") == Double(try fixture.store.study()?.budget ?? -1))
            let best = try #require(
                trials.filter { $0.state == .complete }.max {
                    ($0.finalMetrics?["valid/ndcg@10"] ?? 0) < ($1.finalMetrics?["valid/ndcg@10"] ?? 0)
                })
            #expect(
                metrics.value("mixrec_best_objective", ["metric": "valid/ndcg@10", "trial": "\(best.id.rawValue)"])
                    == best.finalMetrics?["valid/ndcg@10"])
            #expect(metrics.value("mixrec_trial_failed_attempts_total") == 1)
            for worker in try fixture.store.workers() {
                let labels = ["worker": worker.id, "host": worker.host]
                let age = try #require(metrics.value("mixrec_worker_heartbeat_age_seconds", labels))
                let expected = Date().timeIntervalSince(worker.lastSeen)
                #expect(abs(age - expected) < 5, "worker \(worker.id): age \(age), expected about \(expected)")
                #expect(metrics.value("mixrec_worker_busy", labels) == (worker.busy ? 1 : 0))
            }
            #expect(metrics.value("mixrec_workers", ["status": "DEAD"]) == 1)
            let workers = Dictionary(uniqueKeysWithValues: try fixture.store.workers().map { ($0.id, $0) })
            for throughput in try fixture.store.workerThroughput() {
                let worker = try #require(workers[throughput.workerID])
                let labels = ["worker": worker.id, "host": worker.host]
                #expect(metrics.value("mixrec_worker_step_rate", labels) == throughput.stepRate)
                #expect(metrics.value("mixrec_worker_steps_total", labels) == Double(throughput.stepsTotal))
                #expect(
                    metrics.value("mixrec_worker_allreduce_bytes_total", labels) == Double(throughput.allReduceBytes))
                #expect(metrics.value("mixrec_worker_allreduce_seconds_total", labels) == throughput.allReduceSeconds)
            }
            #expect(metrics.families["mixrec_worker_allreduce_bytes_total"]?.type == "counter")
            let names = [
                CoordinatorCounters.received: ("mixrec_coordinator_messages_received_total", "kind"),
                CoordinatorCounters.sent: ("mixrec_coordinator_messages_sent_total", "kind"),
                CoordinatorCounters.rejected: ("mixrec_coordinator_messages_rejected_total", "code"),
                CoordinatorCounters.connections: ("mixrec_coordinator_connections_total", "event"),
            ]
            let counters = try fixture.store.coordinatorCounters()
            #expect(counters.count == 4)
            for counter in counters {
                let (name, label) = try #require(names[counter.name])
                #expect(metrics.value(name, [label: counter.label]) == Double(counter.value))
            }
            #expect(metrics.value("mixrec_study_events_total", ["kind": "trial.assigned"]) == 2)
            #expect(metrics.families["mixrec_study_events_total"]?.type == "counter")
        }
    }

    @Test func jsonEndpointsMatchTheDatabase() throws {
        try self.serving { fixture, client in
            let trialsResponse = try client.request("/api/trials")
            #expect(trialsResponse.status == 200 && trialsResponse.headers["content-type"] == "application/json")
            let lines = try JSONDecoder().decode([[String: JSONValue]].self, from: Data(trialsResponse.body.utf8))
            let trials = try fixture.store.trials()
            #expect(lines.map { $0["id"] } == trials.map { .number(Double($0.id.rawValue)) })
            #expect(lines.map { $0["state"] } == trials.map { .string($0.state.rawValue) })
            #expect(lines.map { $0["epoch"] } == trials.map { .number(Double($0.intermediate.keys.max() ?? 0)) })
            let params = try #require(lines.first?["params"])
            #expect(
                params
                    == .object([
                        "experts": .number(2), "lr": .number(0.001), "plan": .string(DashboardStudyFixture.hostile),
                    ]))

            let workers = try JSONDecoder().decode(
                [[String: JSONValue]].self, from: Data(try client.request("/api/workers").body.utf8))
            #expect(workers.map { $0["id"] } == (try fixture.store.workers()).map { .string($0.id) })
            #expect(workers.map { $0["status"] } == [.string("ALIVE"), .string("DEAD")])

            let study = try JSONDecoder().decode(
                [String: JSONValue].self, from: Data(try client.request("/api/study").body.utf8))
            #expect(study["budget"] == .number(6))
            guard case .object(let best) = study["best"] else {
                Issue.record("no best trial in \(study)")
                return
            }
            #expect(best["id"] == .number(2))
            guard case .object(let record) = study["study"] else {
                Issue.record("no study in \(study)")
                return
            }
            #expect(record["name"] == .string("dash<b>") && record["state"] == .string("RUNNING"))
        }
    }

    @Test func theTokenIsRequiredWhenConfigured() throws {
        let directory = try StudyDirectory()
        let tokenFile = directory.url.appendingPathComponent("token")
        try "s3cret-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        try self.serving(tokenFile: tokenFile) { _, client in
            let missing = try client.request("/api/study")
            #expect(missing.status == 401 && missing.headers["www-authenticate"] == "Bearer")
            #expect(try client.request("/", headers: ["Authorization": "Bearer s3cret-tokeX"]).status == 401)
            #expect(try client.request("/", headers: ["Authorization": "Bearer s3cret"]).status == 401)
            #expect(try client.request("/", headers: ["Authorization": "Bearer s3cret-token"]).status == 200)
        }
    }

    @Test func onLoopbackOnlyLoopbackHostNamesAreServed() throws {
        try self.serving { _, client in
            for host in ["127.0.0.1:8080", "localhost", "LOCALHOST:9000", "127.1.2.3", "[::1]:8080"] {
                #expect(try client.request("/api/study", headers: ["Host": host]).status == 200, "\(host)")
            }
            for host in ["evil.example", "evil.example:8080", "10.0.0.1:8080", "[::2]", "localhost.evil.example"] {
                let response = try client.request("/api/study", headers: ["Host": host])
                #expect(response.status == 421 && !response.body.contains("budget"), "\(host)")
            }
        }
    }

    @Test func anUnreadableDatabaseIsA503WithoutItsDetails() throws {
        let directory = try StudyDirectory()
        let server = DashboardServer()
        let address = try server.start(studyDirectory: directory.url, bind: "127.0.0.1:0")
        defer { server.stop() }
        let response = try LoopbackClient(port: address.port).request("/")
        #expect(response.status == 503)
        #expect(!response.body.contains(directory.url.path) && !response.body.contains("sqlite"), "\(response.body)")
    }

    @Test func anEmptyTokenFileIsRefused() throws {
        let directory = try StudyDirectory()
        let tokenFile = directory.url.appendingPathComponent("token")
        try "\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        #expect(throws: HTTPServerError.self) {
            try DashboardServer().start(studyDirectory: directory.url, bind: "127.0.0.1:0", tokenFile: tokenFile)
        }
        #expect(throws: HTTPServerError.badAddress("nohost")) {
            try DashboardServer().start(studyDirectory: directory.url, bind: "nohost")
        }
    }

    @Test func aSlowClientDoesNotBlockOtherRequests() throws {
        try self.serving { _, client in
            let stalled = try (0..<3).map { _ in try client.connect() }
            defer { stalled.forEach { close($0) } }
            for fd in stalled { client.send("GET /metrics HTTP/1.1\r\nHo", on: fd) }
            let clock = ContinuousClock()
            let started = clock.now
            for _ in 0..<5 { #expect(try client.request("/api/workers").status == 200) }
            let elapsed = clock.now - started
            #expect(elapsed < .seconds(2), "five requests beside three stalled clients took \(elapsed)")
        }
    }

    @Test func unknownPathsMethodsAndOversizedHeadsAreAnswered() throws {
        try self.serving { _, client in
            #expect(try client.request("/nope").status == 404)
            #expect(try client.request("/trials/99").status == 404)
            #expect(try client.request("/trials/abc").status == 404)
            let post = try client.request("/", method: "POST")
            #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
            let head = try client.request("/api/study", method: "HEAD")
            #expect(head.status == 200 && head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 0)
            let huge = "GET / HTTP/1.1\r\nX-Fill: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
            #expect(try client.raw(huge).status == 431)
            #expect(try client.raw("NONSENSE\r\n\r\n").status == 400)
        }
    }

    @Test func pagesEscapeUserTextAndPlotOneMarkPerTrial() throws {
        try self.serving { fixture, client in
            let page = try client.request("/")
            #expect(page.status == 200)
            #expect(!page.body.contains("<script>") && page.body.contains("&lt;script&gt;alert(&quot;x&quot;)"))
            #expect(page.body.contains("dash&lt;b&gt;") && page.body.contains("http-equiv=\"refresh\""))
            let trials = try fixture.store.trials()
            let plots = SVGMarks(html: page.body)
            let scored = trials.filter { !$0.intermediate.isEmpty || $0.finalMetrics != nil }.map(\.id.rawValue)
            #expect(plots.marks(in: "objective") == scored)
            #expect(plots.marks(in: "curves") == trials.filter { !$0.intermediate.isEmpty }.map(\.id.rawValue))
            #expect(plots.count(of: "parameter") == 3)
            #expect(
                plots.marks(in: "parameter", index: 0) == trials.filter { $0.state == .complete }.map(\.id.rawValue))

            let detail = try client.request("/trials/5")
            #expect(detail.status == 200 && !detail.body.contains("<script>"))
            #expect(detail.body.contains("worker lost: &lt;script&gt;"))
            let first = try client.request("/trials/1")
            #expect(first.body.contains("checkpoints/trial-000001/epoch-0001.params"))
            #expect(SVGMarks(html: first.body).marks(in: "curves") == [1])
        }
    }

    @Test func pagesFollowTheDatabaseAcrossWrites() throws {
        try self.serving { fixture, client in
            var trials = try fixture.store.trials()
            trials[5].state = .running
            trials[5].intermediate[1] = ["valid/ndcg@10": 0.5]
            try fixture.store.save([trials[5]])
            let metrics = try PrometheusExposition(parsing: try client.request("/metrics").body)
            #expect(metrics.value("mixrec_trials", ["state": "WAITING"]) == 0)
            #expect(metrics.value("mixrec_trials", ["state": "RUNNING"]) == 2)
            #expect(SVGMarks(html: try client.request("/").body).marks(in: "curves").contains(6))
        }
    }
}
