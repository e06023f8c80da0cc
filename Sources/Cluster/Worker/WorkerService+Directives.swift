import ClusterProto
import Foundation
import Logging

// MARK: - Carrying out the core's directives

extension WorkerService {
    func perform(_ directives: [WorkerDirective]) {
        for directive in directives {
            switch directive {
            case .sendHello:
                self.send(.hello(self.hello()))
            case .sendHeartbeat(let run):
                self.send(.heartbeat(self.heartbeat(busyWith: run)))
            case .startRun(let job):
                self.start(job)
            case .cancelRun(let run):
                self.runs[run]?.cancel()
            case .reportResult(let run, let metrics, let epochs, let seconds):
                var result = Mixrec_Cluster_V1_TrialResult()
                result.trialID = run.trial.rawValue
                result.attempt = UInt32(run.attempt)
                result.metrics = metrics.wire
                result.epochs = UInt32(epochs)
                result.seconds = seconds
                self.sendResult(.result(result), run: run)
            case .reportFailure(let run, let reason, let retryable):
                var failure = Mixrec_Cluster_V1_TrialFailure()
                failure.trialID = run.trial.rawValue
                failure.attempt = UInt32(run.attempt)
                failure.reason = reason
                failure.retryable = retryable
                self.sendReport(.failure(failure), run: run)
            case .showProgress(let run):
                if let context = self.runs[run], let onProgress = self.onProgress {
                    onProgress(context.snapshot())
                }
            }
        }
    }

    private func hello() -> Mixrec_Cluster_V1_Hello {
        var hello = Mixrec_Cluster_V1_Hello()
        hello.workerID = self.settings.workerID
        hello.incarnation = self.settings.incarnation
        hello.host = self.settings.host
        hello.cores = UInt32(self.settings.cores)
        hello.protocolVersion = ClusterProtocol.version
        hello.peerEndpoint = self.settings.peerEndpoint
        hello.cachedDatasets = self.settings.cachedDatasets
        hello.cachedModels = self.settings.cachedModels
        return hello
    }

    /// A heartbeat with the worker's totals and, while busy, the run's position (a run whose result is held: its
    /// last one).
    private func heartbeat(busyWith run: RunID?) -> Mixrec_Cluster_V1_Heartbeat {
        var heartbeat = Mixrec_Cluster_V1_Heartbeat()
        heartbeat.workerID = self.settings.workerID
        heartbeat.incarnation = self.settings.incarnation
        heartbeat.activity = .idle
        let totals = self.counters.snapshot
        heartbeat.stepsTotal = totals.steps
        heartbeat.allreduceBytes = totals.allReduceBytes
        heartbeat.allreduceSeconds = totals.allReduceSeconds
        if let run, let progress = self.runs[run]?.progress ?? self.heldResults[run]?.position {
            heartbeat.activity = .busy
            heartbeat.trialID = run.trial.rawValue
            heartbeat.attempt = UInt32(run.attempt)
            heartbeat.epoch = UInt32(progress.epoch)
            heartbeat.step = UInt64(progress.step)
        }
        return heartbeat
    }

    /// Runs `job` on a new thread, which queues its reports and, when the runner returns, how the run ended.
    private func start(_ job: TrialJob) {
        let context = TrialRunContext(job: job, outbox: self.outbox, counters: self.counters)
        self.runs[job.run] = context
        let runner = self.runner
        self.logger.info("training", metadata: ["trial": "\(job.trial)", "attempt": "\(job.attempt)"])
        Thread {
            let started = ContinuousClock.now
            let end: RunEnd
            do {
                let outcome = try runner.run(job, context: context)
                if case .finished(let metrics, let epochs) = outcome, !context.isCancelled {
                    end = .finished(metrics, epochs: epochs, seconds: (ContinuousClock.now - started).seconds)
                } else {
                    end = .cancelled
                }
            } catch {
                end = context.isCancelled ? .cancelled : RunEnd(thrown: error)
            }
            context.post(.runEnded(job, end))
        }.start()
    }
}

extension RunEnd {
    /// The end of a run whose runner threw `error`: retryable if the runner or the ring says so.
    fileprivate init(thrown error: any Error) {
        let retryable = (error as? TrialRunError)?.retryable ?? (error as? AllReduceError)?.isRetryable ?? false
        self = .failed(reason: "\(error)", retryable: retryable)
    }
}
