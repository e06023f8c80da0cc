import ArgumentParser
import Cluster
import Foundation
import Synchronization
import ZeroMQ

/// Runs one thread per rank of a loopback group and times a phase that starts on every rank at once.
///
/// Over tcp and ipc each rank gets its own ZeroMQ context (its own I/O thread), as separate worker processes would:
/// ranks sharing one context would push every link's bytes through a single I/O thread. `inproc` needs one shared
/// context (messages are handed over in memory, without I/O threads or the kernel).
enum ClusterRanks {
    /// How ranks reach each other.
    enum Transport: String, CaseIterable, ExpressibleByArgument {
        case tcp, ipc, inproc
    }

    /// Wall-clock and process CPU time (user + system, every thread) of the timed phase.
    struct Timing {
        var seconds: Double
        var cpuSeconds: Double
    }

    /// Runs `body(rank, endpoints, context, start)` on `worldSize` threads. Each rank prepares (sockets, warm-up)
    /// and then calls `start()`, which returns once every rank has called it; the clock runs from then until the
    /// last rank returns. A rank that throws prints its error. With `hosts`, rank r first enters `hosts[r]` and
    /// the ranks reach each other over tcp at the hosts' addresses (`transport` is then ignored).
    static func time(
        worldSize: Int, transport: Transport = .tcp, hosts: [SimulatedHost] = [],
        _ body: @escaping @Sendable (_ rank: Int, _ endpoints: [String], ZMQContext, _ start: () -> Void) throws -> Void
    ) throws -> Timing {
        precondition(hosts.isEmpty || hosts.count >= worldSize, "fewer simulated hosts than ranks")
        let shared = try ZMQContext()
        let contexts = try (0..<worldSize).map { _ in transport == .inproc ? shared : try ZMQContext() }
        let run = UUID().uuidString.prefix(8)
        let endpoints =
            if !hosts.isEmpty {
                Self.hostEndpoints(hosts.prefix(worldSize))
            } else {
                switch transport {
                case .tcp: try Self.freeEndpoints(worldSize)
                case .ipc: (0..<worldSize).map { "ipc://\(NSTemporaryDirectory())mixrec-bench-\(run)-\($0)" }
                case .inproc: (0..<worldSize).map { "inproc://mixrec-bench-\(run)-\($0)" }
                }
            }
        let arrived = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for rank in 0..<worldSize {
            done.enter()
            let context = contexts[rank]
            Thread {
                defer { done.leave() }
                let started = Mutex(false)
                do {
                    if !hosts.isEmpty { try hosts[rank].enter() }
                    try body(rank, endpoints, context) {
                        started.withLock { $0 = true }
                        arrived.signal()
                        go.wait()
                    }
                } catch {
                    print("rank \(rank): \(error)")
                }
                if !started.withLock({ $0 }) { arrived.signal() }
            }.start()
        }
        for _ in 0..<worldSize { arrived.wait() }
        let cpuBefore = Self.processCPUSeconds()
        let clock = ContinuousClock.now
        for _ in 0..<worldSize { go.signal() }
        done.wait()
        return Timing(
            seconds: (ContinuousClock.now - clock).seconds,
            cpuSeconds: Self.processCPUSeconds() - cpuBefore)
    }

    /// User plus system CPU seconds of this process so far (all threads).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        return user + system
    }

    /// Minor page faults of this process so far (first touches of freshly mapped memory).
    static func processMinorFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_minflt
    }

    /// The 1-minute load average (how busy the machine was during a run).
    static func loadAverage() -> Double {
        var load = [Double](repeating: 0, count: 1)
        return getloadavg(&load, 1) == 1 ? load[0] : .nan
    }

    /// The next port `hostEndpoints` hands out: each timed run gets fresh ports, so no run waits for the last
    /// one's listeners to be released.
    private static let nextHostPort = Mutex(24_000)

    /// One tcp endpoint per simulated host, on a port not used before in this process.
    static func hostEndpoints(_ hosts: ArraySlice<SimulatedHost>) -> [String] {
        let port = Self.nextHostPort.withLock { port in
            defer { port = port >= 60_000 ? 24_000 : port + 1 }
            return port
        }
        return hosts.map { "tcp://\($0.address):\(port)" }
    }

    /// `count` loopback endpoints whose ports were free a moment ago (bound to `*` by ZeroMQ, read back, released).
    static func freeEndpoints(_ count: Int) throws -> [String] {
        let context = try ZMQContext()
        let probes = try (0..<count).map { _ in try ZMQSocket(context: context, type: .pull) }
        defer { probes.forEach { $0.close() } }
        return try probes.map { probe in
            try probe.bind("tcp://127.0.0.1:*")  // all stay bound until the end, so the ports differ
            return try probe.lastEndpoint()
        }
    }
}
