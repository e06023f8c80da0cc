import ArgumentParser
import Dispatch
import Foundation
import HTTPServing
import MixRec
import MixRecServing
import RecData
import Synchronization
import Tensor

/// `mixrec-bench serve --checkpoint DIR`: a load test of `mixrec serve`. It serves the run twice in this process on
/// free loopback ports, as `mixrec serve` does, once with the known users' cache (after waiting until it is complete)
/// and once without (every request ranked live, the baseline), then sends `POST /recommend` for the dataset's users
/// in turn from concurrent clients (one connection per request) to each in alternation, and reports throughput and
/// latency percentiles of both and their ratios.
struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: """
            Load-test mixrec serve with and without the known users' cache: requests per second and p50/p90/p99 \
            latency of POST /recommend.
            """)

    @Option(help: "The run folder written by `mixrec train` or `mixrec export`.")
    var checkpoint: String

    @Option(help: "Requests per timed run.")
    var requests = 2000

    @Option(help: "Concurrent clients (threads, each waiting for its response before the next request).")
    var clients = 8

    @Option(help: "Timed runs per server (after a warm-up of one request per client); medians are reported.")
    var repeats = 3

    @Option(name: .shortAndLong, help: "Items per recommendation.")
    var k = 10

    @Option(help: "Items kept per user by the cached server (mixrec serve --cache-k).")
    var cacheK = UserCacheOptions.defaultDepth

    @Option(help: "BLAS threads of each server's model.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    func validate() throws {
        guard self.requests >= 1, self.clients >= 1, self.repeats >= 1, self.k >= 1, self.cacheK >= 1, self.threads >= 1
        else {
            throw ValidationError("--requests, --clients, --repeats, -k, --cache-k and --threads must be at least 1")
        }
    }

    func run() throws {
        BLASRuntime.setThreads(self.threads)
        let (live, users) = try self.serve(userCache: nil)
        defer { live.stop() }
        let complete = DispatchSemaphore(value: 0)
        let (cached, _) = try self.serve(
            userCache: UserCacheOptions(depth: self.cacheK) { if $0.isComplete { complete.signal() } })
        defer { cached.stop() }
        // Signalled once, by the last batch: a cache complete before this check is not waited for.
        if cached.progress?.isComplete == false { complete.wait() }
        if let progress = cached.progress {
            print(
                String(
                    format: "known users' cache complete: %d users' top %d in %.1f s", progress.total, self.cacheK,
                    progress.seconds))
        }
        print(
            "\(self.requests) requests from \(self.clients) clients per run, k = \(self.k), \(users.count) users in turn, "
                + "BLAS threads \(self.threads), \(BLASRuntime.coreName)")
        let servers = [("cache off", live), ("cache on", cached)]
        for (_, server) in servers { _ = self.load(server.client, users: users, count: self.clients) }
        var runs = [[LoadRun]](repeating: [], count: servers.count)
        for index in 1...self.repeats {
            for (position, (name, server)) in servers.enumerated() {
                let result = self.load(server.client, users: users, count: self.requests)
                print(String(format: "run %d, %@: ", index, name) + result.summary)
                runs[position].append(result)
            }
        }
        let medians = runs.map(LoadRun.median)
        for ((name, _), median) in zip(servers, medians) {
            print("median of \(self.repeats), \(name): " + median.summary)
        }
        print("cache on / cache off: " + LoadRun.ratios(medians[1], to: medians[0]))
    }

    /// Loads the run (its own model) and serves it on a free loopback port.
    /// - Returns: the running server and the dataset's user ids.
    private func serve(userCache: UserCacheOptions?) throws -> (ServedBench, [String]) {
        let started = Date()
        let run = try TrainedRun(
            folder: self.checkpoint, overrides: self.overrides,
            workspace: MixRecWorkspace(
                textStateDirectory: MixRecWorkspace.defaultTextStateDirectory, log: { print("  \($0)") }))
        let users = run.data.dataset.userIDs
        let service = RecommendationService(model: run.model, dataset: run.data.dataset, userCache: userCache)
        let server = RecommendationServer(service: service)
        let address = try server.start(bind: "127.0.0.1:0")
        print(
            String(
                format: "serving %@ on %@ (cache %@), ready in %.1f s", self.checkpoint, "\(address)",
                userCache == nil ? "off" : "on", Date().timeIntervalSince(started)))
        return (ServedBench(server: server, service: service, client: LoopbackClient(port: address.port)), users)
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

/// One server of the load test and a client of it.
private struct ServedBench {
    let server: RecommendationServer
    let service: RecommendationService
    let client: LoopbackClient

    /// How far its known users' cache is, nil when it has none.
    var progress: UserCacheProgress? { self.service.userCacheProgress }

    func stop() { self.server.stop() }
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
    /// `run`'s figures over `baseline`'s: throughput and latency percentiles.
    static func ratios(_ run: LoadRun, to baseline: LoadRun) -> String {
        String(
            format: "requests/s × %.2f, latency p50 × %.3f, p90 × %.3f, p99 × %.3f",
            run.requestsPerSecond / baseline.requestsPerSecond, run.p50 / baseline.p50, run.p90 / baseline.p90,
            run.p99 / baseline.p99)
    }

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
