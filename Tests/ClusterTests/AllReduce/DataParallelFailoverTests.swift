import Foundation
import Synchronization
import Tensor
import Testing
import ZeroMQ

@testable import Cluster

/// Every run the workers' runners made, with when it started and ended.
final class RunLog: Sendable {
    struct Run: Sendable {
        var worker: String
        var job: TrialJob
        var started: ContinuousClock.Instant
        var ended: ContinuousClock.Instant?
        var error: String?
    }

    let runs = Mutex<[Run]>([])

    /// A runner that logs the runs of `inner` as worker `worker`.
    struct Runner: TrialRunner {
        let inner: RingSyntheticTrialRunner
        let worker: String
        let log: RunLog

        func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
            let index = self.log.runs.withLock { runs in
                runs.append(Run(worker: self.worker, job: job, started: .now))
                return runs.count - 1
            }
            do {
                let outcome = try self.inner.run(job, context: context)
                self.log.runs.withLock { $0[index].ended = .now }
                return outcome
            } catch {
                self.log.runs.withLock { runs in (runs[index].ended, runs[index].error) = (.now, "\(error)") }
                throw error
            }
        }
    }
}

@Suite("Data-parallel trial fail-over")
struct DataParallelFailoverTests {
    static let parameterCount = 256
    static let stepsPerEpoch = 4
    static let epochs = 3
    static let learningRate: Float = 0.1
    /// The coordinator's heartbeat timeout of busy workers, which the workers learn when they register and use as
    /// their ring's timeout (their own ring settings keep the 10 s default).
    static let timeout = Duration.milliseconds(1000)

    /// A worker on its own context (shutting that context down kills the worker like a crash: its sockets die
    /// mid-step and it never says goodbye). Returns the context and a semaphore signalled when it exits.
    private func startWorker(
        _ id: String, coordinator: String, peerPort: Int, log: RunLog, stop: StopSignal
    ) throws -> (context: ZMQContext, exited: DispatchSemaphore) {
        let context = try ZMQContext()
        let exited = DispatchSemaphore(value: 0)
        var inner = RingSyntheticTrialRunner(
            links: PeerLinks(context: context), parameterCount: Self.parameterCount, stepsPerEpoch: Self.stepsPerEpoch)
        inner.stepSeconds = 0.05
        inner.learningRate = Self.learningRate
        let runner = RunLog.Runner(inner: inner, worker: id, log: log)
        Thread {
            var settings = WorkerSettings(coordinatorEndpoint: coordinator, workerID: id)
            settings.heartbeatInterval = .milliseconds(50)
            settings.peerEndpoint = "tcp://127.0.0.1:\(peerPort)"
            if let worker = try? WorkerService(context: context, settings: settings, runner: runner) {
                try? worker.run(until: stop)
            }
            exited.signal()
        }.start()
        return (context, exited)
    }

    /// The parameters' `valid/loss` after `epochs` epochs of the ring runner on 2 ranks, recomputed here from
    /// its definition: the mean of both ranks' gradients (`(g0 + g1) · ½`; Float addition commutes, so rank order
    /// does not matter), then `p −= lr · mean`.
    static func expectedLoss(seed: UInt64) -> Double {
        var parameters = [Float](repeating: 0, count: Self.parameterCount)
        for epoch in 1...Self.epochs {
            for step in 0..<Self.stepsPerEpoch {
                let gradients = [0, 1].map {
                    RingSyntheticTrialRunner.gradient(
                        seed: seed, epoch: epoch, step: step, rank: $0, count: Self.parameterCount)
                }
                for index in parameters.indices {
                    parameters[index] -= Self.learningRate * ((gradients[0][index] + gradients[1][index]) * 0.5)
                }
            }
        }
        return parameters.reduce(0) { $0 + Double($1) * Double($1) } / Double(2 * Self.parameterCount)
    }

    @Test("a member killed mid-step: its peer gives up within the coordinator's timeout, the trial resumes elsewhere")
    func memberKilled() throws {
        try #require(AllReduceSettings().timeout > Self.timeout + .seconds(5), "the ring's own default is far longer")
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        var settings = CoordinatorSettings.loopback(budget: 1, groupSize: 2, maxEpochs: Self.epochs)
        settings.scheduler.objectiveMetric = RingSyntheticTrialRunner.metric
        settings.membership.idleSuspectAfter = .milliseconds(400)
        settings.membership.idleDeadAfter = Self.timeout
        settings.membership.busySuspectAfter = .milliseconds(400)
        settings.membership.busyDeadAfter = Self.timeout
        let coordinator = try RunningCoordinator(context: try ZMQContext(), settings: settings, store: store)
        let log = RunLog()
        let stop = StopSignal()
        var workers: [String: (context: ZMQContext, exited: DispatchSemaphore)] = [:]
        for id in ["w1", "w2", "w3"] {
            workers[id] = try self.startWorker(
                id, coordinator: coordinator.endpoint, peerPort: MixRecBinary.freePort(), log: log, stop: stop)
        }
        defer {
            stop.stop()
            for worker in workers.values { _ = worker.exited.wait(timeout: .now() + 10) }
        }

        // Kill a member of the first group once the trial has a checkpoint, i.e. during epoch 2.
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        let deadline = ContinuousClock.now + .seconds(60)
        while try reader.trials().first?.checkpointEpoch == nil, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let firstGroup = log.runs.withLock { $0.filter { $0.job.attempt == 1 } }
        try #require(firstGroup.count == 2, "the first attempt ran on a group of two")
        let victim = firstGroup[1].worker
        let survivor = firstGroup[0].worker
        let killed = ContinuousClock.now
        workers[victim]?.context.shutdown()

        #expect(coordinator.finish(timeout: 90), "the search finished")
        #expect(coordinator.failure == nil)
        let runs = log.runs.withLock { $0 }
        // The survivor was blocked in the all-reduce and gave up within the coordinator's timeout (plus scheduling
        // slack on a loaded machine): by its peer timeout of exactly that length, or when the coordinator, which
        // declared the victim dead at the same time, cancelled the run.
        let survivorRun = try #require(runs.first { $0.worker == survivor && $0.job.attempt == 1 })
        let survivorEnded = try #require(survivorRun.ended)
        #expect(
            survivorEnded - killed < Self.timeout + .seconds(2), "survivor idle again after \(survivorEnded - killed)")
        #expect(survivorRun.job.peerTimeout == Self.timeout)
        let error = survivorRun.error ?? "no error"
        #expect(error.contains("silent for 1000 ms") || error.contains("the run was cancelled"), "\(error)")
        print("survivor idle \(survivorEnded - killed) after the kill: \(error)")
        // The trial resumed from its checkpoint on a new group without the victim and completed.
        let resumed = runs.filter { $0.job.attempt > 1 && $0.error == nil && $0.ended != nil }
        #expect(Set(resumed.map(\.worker)).count == 2 && !resumed.contains { $0.worker == victim })
        #expect(resumed.allSatisfy { ($0.job.resume?.epoch ?? 0) >= 1 }, "resumed from a checkpoint")
        let trial = try #require(try store.trials().first)
        #expect(trial.state == .complete)
        #expect(trial.failedAttempts >= 1)
        // Resuming is exact: the final loss is that of an uninterrupted run.
        let loss = try #require(trial.finalMetrics?[RingSyntheticTrialRunner.metric])
        let seed = try #require(resumed.first?.job.seed)
        #expect(abs(loss - Self.expectedLoss(seed: seed)) <= 1e-12 * max(1, loss), "\(loss)")
    }
}
