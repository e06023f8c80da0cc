import ArgumentParser
import Dispatch
import Foundation
import HTTPServing
import MixRec
import MixRecServing
import Synchronization
import Tensor

/// `mixrec-bench serve --checkpoint DIR`: a load test of `mixrec serve`. It serves the run in this process on a
/// free loopback port, as `mixrec serve` does, then sends `POST /recommend` for the dataset's users in turn from
/// concurrent clients (one connection per request) and reports throughput and latency percentiles.
struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load-test mixrec serve: requests per second and p50/p90/p99 latency of POST /recommend.")

    @Option(help: "The run folder written by `mixrec train` or `mixrec export`.")
    var checkpoint: String

    @Option(help: "Requests per timed run.")
    var requests = 2000

    @Option(help: "Concurrent clients (threads, each waiting for its response before the next request).")
    var clients = 8

    @Option(help: "Timed runs (after a warm-up of one request per client); medians are reported.")
    var repeats = 3

    @Option(name: .shortAndLong, help: "Items per recommendation.")
    var k = 10

    @Option(help: "BLAS threads of the server's model.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    func validate() throws {
        guard self.requests >= 1, self.clients >= 1, self.repeats >= 1, self.k >= 1, self.threads >= 1 else {
            throw ValidationError("--requests, --clients, --repeats, -k and --threads must be at least 1")
        }
    }

    func run() throws {
        BLASRuntime.setThreads(self.threads)
        let started = Date()
        let run = try TrainedRun(
            folder: self.checkpoint, overrides: self.overrides, workspace: MixRecWorkspace(log: { print("  \($0)") }))
        let users = run.data.dataset.userIDs
        let server = RecommendationServer(service: RecommendationService(model: run.model, dataset: run.data.dataset))
        let address = try server.start(bind: "127.0.0.1:0")
        defer { server.stop() }
        print(
            String(
                format: "serving %@ on %@, ready in %.1f s", self.checkpoint, "\(address)",
                Date().timeIntervalSince(started)))
        print(
            "\(self.requests) requests from \(self.clients) clients, k = \(self.k), \(users.count) users in turn, "
                + "BLAS threads \(self.threads), \(BLASRuntime.coreName)")
        let client = LoopbackClient(port: address.port)
        _ = self.load(client, users: users, count: self.clients)
        var runs: [LoadRun] = []
        for index in 1...self.repeats {
            let result = self.load(client, users: users, count: self.requests)
            print(String(format: "run %d: ", index) + result.summary)
            runs.append(result)
        }
        let median = LoadRun.median(runs)
        print("median of \(self.repeats): " + median.summary)
    }

    /// Sends `count` requests from ``clients`` threads and times each one.
    private func load(_ client: LoopbackClient, users: [String], count: Int) -> LoadRun {
        let tally = LoadTally()
        let done = DispatchGroup()
        let k = self.k
        let start = DispatchTime.now().uptimeNanoseconds
        // Threads of their own: dispatch's pools would run only as many blocking clients as there are cores.
        for _ in 0..<self.clients {
            done.enter()
            Thread {
                var latencies: [Double] = []
                var failures = 0
                while let index = tally.take(below: count) {
                    let body = #"{"user": "\#(users[index % users.count])", "k": \#(k)}"#
                    let sent = DispatchTime.now().uptimeNanoseconds
                    let response = try? client.request(
                        "/recommend", method: "POST", headers: ["Content-Type": "application/json"], body: body)
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e9)
                    if response?.status != 200 { failures += 1 }
                }
                tally.add(latencies, failures: failures)
                done.leave()
            }.start()
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (latencies, failures) = tally.totals
        return LoadRun(seconds: seconds, latencies: latencies.sorted(), failures: failures)
    }
}

/// The load test's clients' shared state: the next request to send and what the clients measured.
private final class LoadTally: Sendable {
    private let next = Atomic<Int>(0)
    private let measured = Mutex<(latencies: [Double], failures: Int)>(([], 0))

    /// The next request's index, nil once `count` requests are taken.
    func take(below count: Int) -> Int? {
        let index = self.next.add(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }

    /// Adds one client's latencies (seconds) and failed requests.
    func add(_ latencies: [Double], failures: Int) {
        self.measured.withLock {
            $0.latencies += latencies
            $0.failures += failures
        }
    }

    /// Every latency and failure added so far.
    var totals: (latencies: [Double], failures: Int) {
        self.measured.withLock { $0 }
    }
}

/// One timed run of the load test.
private struct LoadRun {
    var requestsPerSecond: Double
    /// Latency percentiles in seconds.
    var p50: Double
    var p90: Double
    var p99: Double
    var failures: Int

    /// One line: throughput, latency percentiles in milliseconds, failed requests.
    var summary: String {
        String(
            format: "%.1f requests/s, latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, %d not 200",
            self.requestsPerSecond, self.p50 * 1e3, self.p90 * 1e3, self.p99 * 1e3, self.failures)
    }

    /// Each figure's median over `runs` (the failures' too).
    static func median(_ runs: [LoadRun]) -> LoadRun {
        func middle(_ value: (LoadRun) -> Double) -> Double {
            BackboneBenchTiming.median(runs.map(value))
        }
        return LoadRun(
            requestsPerSecond: middle(\.requestsPerSecond), p50: middle(\.p50), p90: middle(\.p90), p99: middle(\.p99),
            failures: Int(middle { Double($0.failures) }))
    }
}

extension LoadRun {
    /// The figures of a run that took `seconds`.
    /// - Parameter latencies: every request's seconds, sorted.
    init(seconds: Double, latencies: [Double], failures: Int) {
        func percentile(_ fraction: Double) -> Double {
            let rank = Int((fraction * Double(latencies.count)).rounded(.up))
            return latencies.isEmpty ? 0 : latencies[max(0, min(latencies.count, rank) - 1)]
        }
        self.init(
            requestsPerSecond: Double(latencies.count) / seconds, p50: percentile(0.5), p90: percentile(0.9),
            p99: percentile(0.99), failures: failures)
    }
}
