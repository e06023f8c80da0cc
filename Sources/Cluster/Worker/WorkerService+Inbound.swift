import ClusterProto
import Foundation
import Search

// MARK: - Messages from the coordinator, and runs

extension WorkerService {
    func handle(_ frames: [[UInt8]]) {
        let message: WireMessage
        do {
            message = try WireMessage.decode(frames: frames, limits: self.settings.limits)
        } catch {
            self.logger.warning("rejected a message from the coordinator", metadata: ["error": "\(error)"])
            self.send(error.replyEnvelope(sequence: self.takeSequence()))
            return
        }
        guard let body = message.envelope.body else { return }
        switch body {
        case .welcome(let welcome):
            self.registered = true
            self.heartbeatInterval = .milliseconds(Int64(welcome.heartbeatIntervalMs))
            self.coordinatorPeerTimeout = welcome.busyDeadMs > 0 ? .milliseconds(Int64(welcome.busyDeadMs)) : nil
            self.logger.info(
                "registered",
                metadata: [
                    "study": "\(welcome.studyID)",
                    "peer_timeout": "\(self.peerTimeout.map { "\($0)" } ?? "ring default")",
                ])
        case .assignment(let assignment):
            self.accept(assignment, parameters: message.blobs.first)
        case .cancel(let cancel):
            let trial = TrialID(cancel.trialID)
            let attempt = Int(cancel.attempt)
            if let current = self.current, current.job.trial == trial, current.job.attempt == attempt {
                current.cancel()
            }
            if let pending = self.pending, pending.trial == trial, pending.attempt == attempt {
                self.pending = nil
            }
        case .shutdown(let shutdown):
            self.logger.info("shutting down", metadata: ["reason": "\(shutdown.reason)"])
            self.shuttingDown = true
            self.pending = nil
            self.current?.cancel()
        case .error(let error):
            if error.code == .notRegistered {
                // The coordinator restarted or declared us dead: register again at once.
                self.registered = false
                self.lastHello = nil
            } else {
                self.logger.warning("coordinator reported an error", metadata: ["error": "\(error.message)"])
            }
        case .ack:
            break
        case .hello, .heartbeat, .progress, .checkpoint, .result, .failure:
            let error = WireError(
                .unexpected, "\(body.kind) is sent by workers, not to them", sequence: message.envelope.sequence)
            self.send(error.replyEnvelope(sequence: self.takeSequence()))
        }
    }

    func takeSequence() -> UInt64 {
        defer { self.sequence += 1 }
        return self.sequence
    }

    /// Starts the assigned run (with this worker's peer timeout) now, or after the current one has ended (it is
    /// cancelled first).
    private func accept(_ assignment: Mixrec_Cluster_V1_TrialAssignment, parameters: [UInt8]?) {
        // The validator already checked both; a mismatch would be a validator bug, so log it and drop the run.
        guard let task = TrialTask(wire: assignment.task),
            let configuration = try? Configuration(json: assignment.configJson)
        else {
            self.logger.error("dropped an assignment the validator should have rejected")
            return
        }
        let job = TrialJob(
            trial: TrialID(assignment.trialID), attempt: Int(assignment.attempt), group: GroupID(assignment.groupID),
            rank: Int(assignment.rank), worldSize: Int(assignment.worldSize), peers: assignment.peers.map(\.endpoint),
            task: task, configuration: configuration, maxEpochs: Int(assignment.maxEpochs), seed: assignment.seed,
            resume: assignment.hasResume
                ? parameters.map { ResumePoint(epoch: Int(assignment.resume.epoch), parameters: $0) } : nil,
            peerTimeout: self.peerTimeout)
        if let current = self.current {
            current.cancel()
            self.pending = job
        } else {
            self.start(job)
        }
    }

    /// Runs `job` on a new thread; its result or failure is queued for the I/O loop.
    func start(_ job: TrialJob) {
        let context = TrialRunContext(job: job, outbox: self.outbox, counters: self.counters)
        self.current = context
        let runner = self.runner
        self.logger.info("training", metadata: ["trial": "\(job.trial)", "attempt": "\(job.attempt)"])
        Thread {
            let started = ContinuousClock.now
            do {
                let outcome = try runner.run(job, context: context)
                if case .finished(let metrics, let epochs) = outcome, !context.isCancelled, job.rank == 0 {
                    var result = Mixrec_Cluster_V1_TrialResult()
                    result.trialID = job.trial.rawValue
                    result.attempt = UInt32(job.attempt)
                    result.metrics = metrics.wire
                    result.epochs = UInt32(epochs)
                    let elapsed = (ContinuousClock.now - started).components
                    result.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
                    context.post(.message(.result(result), blobs: []))
                }
            } catch {
                if !context.isCancelled {
                    var failure = Mixrec_Cluster_V1_TrialFailure()
                    failure.trialID = job.trial.rawValue
                    failure.attempt = UInt32(job.attempt)
                    failure.reason = "\(error)"
                    failure.retryable =
                        (error as? TrialRunError)?.retryable ?? (error as? AllReduceError)?.isRetryable ?? false
                    context.post(.message(.failure(failure), blobs: []))
                }
            }
            context.post(.runEnded(job.trial, attempt: job.attempt))
        }.start()
    }
}
