import ArgumentParser
import Cluster
import Foundation
import ZeroMQ

/// `mixrec-bench cluster`: ring all-reduce throughput against the ideal `2(N−1)/N · size / B`, where B is the
/// ZeroMQ point-to-point bandwidth measured in the same run on the same transport, and against what this
/// machine's cores can do: `cpu_bound_ms` is the collective's CPU time (all threads) divided by the core count,
/// and `reachable` the efficiency the ring would have at that bound. The ideal assumes every link has its own
/// CPUs; ranks sharing a few cores pay for every link's kernel copies on the same cores. With `--netns` each rank
/// runs in its own network namespace behind a rate-limited link (`cluster/netns-bench` makes them), so the link,
/// not the CPU, limits the ring, as between hosts. With `--wire bfloat16` the ring sends half the bytes while `ideal`
/// stays the Float32 ring's, so the gain shows as an efficiency above 100 % (up to 200 % on a link-limited ring).
struct ClusterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Ring all-reduce throughput (2-4 ranks, 1-64 MB) against the ideal; data-parallel training users/s."
    )

    @Option(help: "Buffer sizes in MB.")
    var sizes: [Int] = [1, 4, 16, 64]

    @Option(help: "Group sizes.")
    var ranks: [Int] = [2, 3, 4]

    @Option(help: "Repetitions per point; the median is reported.")
    var repeats = 5

    @Option(name: .customLong("chunk-kib"), help: "Chunk size in KiB.")
    var chunkKiB = AllReduceSettings().chunkBytes / 1024

    @Option(
        help: ArgumentHelp(
            "How the ring carries the floats: float32, or bfloat16 (half the bytes, Float32 accumulation); ideal_ms "
                + "stays the Float32 ring's, so bfloat16's gain shows as an efficiency above 100 %."))
    var wire = AllReduceWire.float32

    @Option(help: "Transport between ranks: tcp (loopback), ipc or inproc (one shared context; a diagnostic).")
    var transport = ClusterRanks.Transport.tcp

    @Option(help: "Training steps for the users/s comparison (0 skips it; skipped with --netns).")
    var trainingSteps = 20

    @Option(
        help: ArgumentHelp(
            "Simulated hosts, one per rank: NAMESPACE@ADDRESS items separated by commas (cluster/netns-bench).",
            valueName: "hosts"))
    var netns: String?

    func run() throws {
        let hosts = try self.netns.map(SimulatedHost.list) ?? []
        if let largest = self.ranks.max(), !hosts.isEmpty, hosts.count < largest {
            throw ValidationError("--netns: \(hosts.count) hosts for up to \(largest) ranks")
        }
        var settings = AllReduceSettings()
        settings.chunkBytes = self.chunkKiB * 1024
        settings.wire = self.wire
        settings.timeout = .seconds(60)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let links =
            hosts.isEmpty
            ? "transport \(self.transport)\(self.transport == .inproc ? "" : ", one ZeroMQ context per rank")"
            : "tcp between network namespaces \(hosts.map(\.namespace).joined(separator: ", "))"
        print(
            "\(links), \(self.wire) on the wire, chunk \(self.chunkKiB) KiB, median of \(self.repeats), \(cores) cores, "
                + "load average " + String(format: "%.1f", ClusterRanks.loadAverage()))
        print("size_MB  N  p2p_GB/s  ring_ms  ideal_ms  efficiency  algbw_GB/s  cpu_ms  cpu_bound_ms  reachable")
        for megabytes in self.sizes {
            let count = megabytes * 1_000_000 / 4
            let pointToPoint = try self.median {
                try Self.pointToPoint(count: count, settings: settings, transport: self.transport, hosts: hosts)
            }
            let bandwidth = Double(count * 4) / pointToPoint.seconds
            print(
                String(
                    format: "%7d  p2p %.2f GB/s: %.1f ms, %.1f ms CPU (%.1f cores busy)", megabytes, bandwidth / 1e9,
                    pointToPoint.seconds * 1e3, pointToPoint.cpuSeconds * 1e3,
                    pointToPoint.cpuSeconds / pointToPoint.seconds))
            for worldSize in self.ranks {
                let ring = try self.median {
                    try Self.ring(
                        worldSize: worldSize, count: count, settings: settings, transport: self.transport, hosts: hosts)
                }
                // The Float32 ring's ideal, whatever `--wire` says (see the type's comment).
                let ideal = 2 * Double(worldSize - 1) / Double(worldSize) * Double(count * 4) / bandwidth
                // The ring cannot finish faster than its CPU work spread over every core of this machine.
                let cpuBound = ring.cpuSeconds / Double(cores)
                print(
                    String(
                        format: "%7d  %d  %8.2f  %7.1f  %8.1f  %9.0f%%  %10.2f  %6.1f  %12.1f  %8.0f%%", megabytes,
                        worldSize, bandwidth / 1e9, ring.seconds * 1e3, ideal * 1e3, 100 * ideal / ring.seconds,
                        Double(count * 4) / ring.seconds / 1e9, ring.cpuSeconds * 1e3, cpuBound * 1e3,
                        100 * ideal / max(ideal, cpuBound)))
            }
        }
        print("load average \(String(format: "%.1f", ClusterRanks.loadAverage()))")
        guard self.trainingSteps > 0, hosts.isEmpty else { return }
        let single = try ClusterTrainingBench.usersPerSecond(worldSize: 1, steps: self.trainingSteps)
        let pair = try ClusterTrainingBench.usersPerSecond(worldSize: 2, steps: self.trainingSteps)
        // Users per CPU-second shows the group's overhead whatever else runs: two ranks on two free cores reach
        // at most 2 × (their users per CPU-second) / (one rank's).
        print(
            String(
                format: "collaborative model training (width 64, L 50, batch 64, 1 BLAS thread per rank): "
                    + "1 rank %.0f users/s (%.0f per CPU-s), 2 ranks %.0f users/s (%.0f per CPU-s): %.2fx wall, "
                    + "at most %.2fx on 2 free cores at this CPU cost", single.wall, single.cpu, pair.wall, pair.cpu,
                pair.wall / single.wall, 2 * pair.cpu / single.cpu))
    }

    /// The run with the median wall-clock time of `repeats` runs.
    private func median(_ body: () throws -> ClusterRanks.Timing) throws -> ClusterRanks.Timing {
        let runs = try (0..<max(1, self.repeats)).map { _ in try body() }.sorted { $0.seconds < $1.seconds }
        return runs[runs.count / 2]
    }

    /// Streams `count` floats one way, PUSH→PULL between two contexts, as chunks of the ring's size behind a
    /// header: the time gives B.
    static func pointToPoint(
        count: Int, settings: AllReduceSettings, transport: ClusterRanks.Transport, hosts: [SimulatedHost]
    ) throws -> ClusterRanks.Timing {
        let chunkBytes = settings.chunkBytes
        let total = count * 4
        return try ClusterRanks.time(worldSize: 2, transport: transport, hosts: hosts) {
            rank, endpoints, context, start in
            if rank == 1 {
                let pull = try ZMQSocket(context: context, type: .pull)
                try pull.setReceiveHighWaterMark(settings.highWaterMark)
                try pull.bind(endpoints[1])
                _ = try pull.receiveRaw { (_, data) in data.count }  // warm-up: the connection is up
                start()
                var received = 0
                while received < total {
                    received += try pull.receiveRaw { (_, data) in data.count } ?? 0
                }
            } else {
                let push = try ZMQSocket(context: context, type: .push)
                try push.setSendHighWaterMark(settings.highWaterMark)
                try push.setLinger(milliseconds: 60_000)
                try push.connect(endpoints[1])
                let payload = [UInt8](repeating: 1, count: chunkBytes)
                let header = [UInt8](repeating: 0, count: 36)
                try payload.withUnsafeBytes { payload in
                    _ = try push.send(header: header, payload: payload)
                    start()
                    var sent = 0
                    while sent < total {
                        let size = min(chunkBytes, total - sent)
                        _ = try push.send(header: header, payload: UnsafeRawBufferPointer(rebasing: payload[0..<size]))
                        sent += size
                    }
                }
            }
        }
    }

    /// A ring of `worldSize` ranks summing `count` floats, after a warm-up sum (connections, page faults).
    static func ring(
        worldSize: Int, count: Int, settings: AllReduceSettings, transport: ClusterRanks.Transport,
        hosts: [SimulatedHost]
    ) throws -> ClusterRanks.Timing {
        try ClusterRanks.time(worldSize: worldSize, transport: transport, hosts: hosts) {
            rank, endpoints, context, start in
            let group = try AllReduceGroup(rank: rank, endpoints: endpoints, context: context, settings: settings)
            var values = [Float](repeating: Float(rank), count: count)
            try group.sum(&values)
            start()
            try group.sum(&values)
        }
    }
}

extension AllReduceWire: ExpressibleByArgument {}
