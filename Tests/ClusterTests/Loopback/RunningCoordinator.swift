import Cluster
import ClusterCoreTestKit
import Foundation
import Logging
import Synchronization
import Testing
import ZeroMQ

/// A coordinator serving on its own thread for loopback tests.
final class RunningCoordinator: Sendable {
    /// What the coordinator thread reports back.
    final class Outcome: Sendable {
        let endpoint = Mutex<String?>(nil)
        let failure = Mutex<String?>(nil)
        /// The trials the coordinator held in memory when `run` returned.
        let trials = Mutex<[Trial]>([])
        /// CPU time the coordinator thread used inside `run`.
        let cpuSeconds = Mutex<Double>(0)
        let ready = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        /// The study store, handed to the coordinator thread, which lets go of it (and of the study directory's
        /// lock) before it signals `exited`: a test may open the directory again as soon as `finish` returns.
        let store = Mutex<StudyStore?>(nil)
    }

    let stop = StopSignal()
    let outcome = Outcome()
    let endpoint: String

    init(
        context: ZMQContext, settings: CoordinatorSettings, store: StudyStore,
        pruner: some TrialPruner & Sendable = NoPruning(), logger: Logger = Logger(label: "mixrec.coordinator")
    ) throws {
        let stop = self.stop
        let outcome = self.outcome
        outcome.store.withLock { $0 = store }
        Thread {
            do {
                guard let store = outcome.store.withLock({ $0.take() }) else {
                    throw StartFailure(description: "no store")
                }
                let service = try CoordinatorService(
                    context: context, settings: settings, store: store, proposer: CountingProposer(), pruner: pruner,
                    logger: logger)
                let endpoint = try service.boundEndpoint()
                outcome.endpoint.withLock { $0 = endpoint }
                outcome.ready.signal()
                let before = Self.threadCPUSeconds()
                defer { outcome.cpuSeconds.withLock { $0 = Self.threadCPUSeconds() - before } }
                defer { outcome.trials.withLock { $0 = service.trials } }
                try service.run(until: stop)
            } catch {
                outcome.failure.withLock { $0 = "\(error)" }
                outcome.ready.signal()
            }
            outcome.exited.signal()
        }.start()
        _ = outcome.ready.wait(timeout: .now() + 10)
        guard let endpoint = outcome.endpoint.withLock({ $0 }) else {
            throw StartFailure(description: outcome.failure.withLock { $0 } ?? "no endpoint after 10 s")
        }
        self.endpoint = endpoint
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// CPU time of the calling thread.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// The error the coordinator thread ended with, if any.
    var failure: String? { self.outcome.failure.withLock { $0 } }

    /// Waits for the coordinator to exit by itself; stops it after `seconds`.
    /// - Returns: true if it exited by itself in time.
    func finish(timeout seconds: Double = 10) -> Bool {
        let exited = self.outcome.exited.wait(timeout: .now() + seconds) == .success
        if !exited {
            self.stop.stop()
            _ = self.outcome.exited.wait(timeout: .now() + 5)
        }
        return exited
    }

    /// A coordinator started again on `directory` with `settings` (their endpoint the stopped one's): libzmq releases
    /// the old port asynchronously after the socket closes, so the bind is retried for a while.
    /// - Returns: nil when it could not bind within 2.5 s.
    static func restarted(
        context: ZMQContext, settings: CoordinatorSettings, directory: URL
    ) throws -> RunningCoordinator? {
        for _ in 0..<50 {
            if let restarted = try? RunningCoordinator(
                context: context, settings: settings, store: try StudyStore(directory: directory))
            {
                return restarted
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}

extension CoordinatorSettings {
    /// Settings of a loopback test's coordinator: `budget` trials of `maxEpochs` epochs on groups of `groupSize`,
    /// served on a free port of 127.0.0.1, with 20 ms ticks and 50 ms heartbeats.
    static func loopback(budget: Int, groupSize: Int = 1, maxEpochs: Int) -> CoordinatorSettings {
        var settings = CoordinatorSettings(budget: budget, groupSize: groupSize)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        settings.maxEpochs = maxEpochs
        settings.tickInterval = .milliseconds(20)
        settings.membership.heartbeatInterval = .milliseconds(50)
        return settings
    }
}
