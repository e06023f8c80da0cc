import ArgumentParser
import Cluster
import Foundation
import Synchronization
import ZeroMQ

/// `mixrec-bench cluster`: ring all-reduce throughput against the ideal `2(N−1)/N · size / B`, where B is the
/// ZeroMQ point-to-point bandwidth measured in the same run on the same transport.
struct ClusterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Ring all-reduce throughput (2-4 ranks, 1-64 MB) against the ideal; data-parallel training users/s."
    )

    @Option(help: "Buffer sizes in MB.")
    var sizes: [Int] = [1, 4, 16, 64]

    @Option(help: "Group sizes.")
    var ranks: [Int] = [2, 3, 4]

    @Option(help: "Repetitions per point; the fastest is reported.")
    var repeats = 3

    @Option(help: "Chunk size in KiB.")
    var chunkKiB = 512

    @Option(help: "Training steps for the users/s comparison (0 skips it).")
    var trainingSteps = 20

    func run() throws {
        var settings = AllReduceSettings()
        settings.chunkBytes = self.chunkKiB * 1024
        settings.timeout = .seconds(60)
        print("transport tcp://127.0.0.1, chunk \(self.chunkKiB) KiB, best of \(self.repeats)")
        print("size_MB  N  p2p_GB/s  ring_ms  ideal_ms  efficiency  algbw_GB/s")
        for megabytes in self.sizes {
            let count = megabytes * 1_000_000 / 4
            let pointToPoint = try self.fastest { try Self.pointToPoint(count: count, settings: settings) }
            let bandwidth = Double(count * 4) / pointToPoint
            for worldSize in self.ranks {
                let ring = try self.fastest { try Self.ring(worldSize: worldSize, count: count, settings: settings) }
                let ideal = 2 * Double(worldSize - 1) / Double(worldSize) * Double(count * 4) / bandwidth
                print(
                    String(
                        format: "%7d  %d  %8.2f  %7.1f  %8.1f  %9.0f%%  %10.2f", megabytes, worldSize, bandwidth / 1e9,
                        ring * 1e3, ideal * 1e3, 100 * ideal / ring, Double(count * 4) / ring / 1e9))
            }
        }
        guard self.trainingSteps > 0 else { return }
        let single = try ClusterTrainingBench.usersPerSecond(worldSize: 1, steps: self.trainingSteps)
        let pair = try ClusterTrainingBench.usersPerSecond(worldSize: 2, steps: self.trainingSteps)
        print(
            String(
                format: "collaborative model training (width 64, L 50, batch 64, 1 BLAS thread per rank): "
                    + "1 rank %.0f users/s, 2 ranks %.0f users/s (%.2fx)", single, pair, pair / single))
    }

    private func fastest(_ body: () throws -> Double) throws -> Double {
        var best = Double.infinity
        for _ in 0..<self.repeats { best = min(best, try body()) }
        return best
    }

    /// Seconds to stream `count` floats one way, PUSH→PULL, as chunks of the ring's size behind a header: B.
    static func pointToPoint(count: Int, settings: AllReduceSettings) throws -> Double {
        let context = try ZMQContext()
        let port = Self.freePort()
        let chunkBytes = settings.chunkBytes
        let payload = [UInt8](repeating: 1, count: chunkBytes)
        let total = count * 4
        let seconds = Mutex<Double>(0)
        let started = Mutex<ContinuousClock.Instant>(.now)
        let ready = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let receiver = Thread {
            defer { finished.signal() }
            do {
                let pull = try ZMQSocket(context: context, type: .pull)
                try pull.setReceiveHighWaterMark(settings.highWaterMark)
                try pull.bind("tcp://127.0.0.1:\(port)")
                ready.signal()
                var received = 0
                while received < total {
                    received += try pull.receiveRaw { (_, data) in data.count } ?? 0
                }
                let elapsed = (ContinuousClock.now - started.withLock { $0 }).components
                seconds.withLock { $0 = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18 }
            } catch {
                ready.signal()
            }
        }
        receiver.start()
        ready.wait()
        let push = try ZMQSocket(context: context, type: .push)
        try push.setSendHighWaterMark(settings.highWaterMark)
        try push.connect("tcp://127.0.0.1:\(port)")
        let header = [UInt8](repeating: 0, count: 36)
        Thread.sleep(forTimeInterval: 0.05)  // let the connection come up before the clock starts
        started.withLock { $0 = .now }
        var sent = 0
        while sent < total {
            let size = min(chunkBytes, total - sent)
            _ = try payload.withUnsafeBytes {
                try push.send(header: header, payload: UnsafeRawBufferPointer(rebasing: $0[0..<size]))
            }
            sent += size
        }
        finished.wait()
        return seconds.withLock { $0 }
    }

    /// Seconds for a ring of `worldSize` threads to sum `count` floats (the slowest rank, after a warm-up sum).
    static func ring(worldSize: Int, count: Int, settings: AllReduceSettings) throws -> Double {
        try Self.slowestRank(worldSize: worldSize) { rank, endpoints, context in
            let group = try AllReduceGroup(rank: rank, endpoints: endpoints, context: context, settings: settings)
            var values = [Float](repeating: Float(rank), count: count)
            try group.sum(&values)  // warm-up: connections, page faults
            let start = ContinuousClock.now
            try group.sum(&values)
            let elapsed = (ContinuousClock.now - start).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        }
    }

    /// Runs `body` on one thread per rank (ranks on loopback endpoints at a fresh port range) and returns the
    /// slowest rank's seconds; a rank that throws prints its error and counts as 0.
    static func slowestRank(
        worldSize: Int, _ body: @escaping @Sendable (_ rank: Int, _ endpoints: [String], ZMQContext) throws -> Double
    ) throws -> Double {
        let context = try ZMQContext()
        let base = Self.freePort()
        let endpoints = (0..<worldSize).map { "tcp://127.0.0.1:\(base + $0)" }
        let slowest = Mutex<Double>(0)
        let done = DispatchGroup()
        for rank in 0..<worldSize {
            done.enter()
            Thread {
                defer { done.leave() }
                do {
                    let seconds = try body(rank, endpoints, context)
                    slowest.withLock { $0 = max($0, seconds) }
                } catch {
                    print("rank \(rank): \(error)")
                }
            }.start()
        }
        done.wait()
        return slowest.withLock { $0 }
    }

    /// A port range start unlikely to be in use (bench runs are sequential).
    static func freePort() -> Int {
        40_000 + Int.random(in: 0..<20_000)
    }
}
