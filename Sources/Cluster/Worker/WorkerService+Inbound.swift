import ClusterProto
import Foundation
import Logging
import Search

// MARK: - Messages from the coordinator

extension WorkerService {
    /// Decodes a message and hands it to the core; answers malformed or misdirected messages (but never an Error)
    /// with an Error.
    func handle(_ frames: [[UInt8]]) {
        let message: WireMessage
        do {
            message = try WireMessage.decode(frames: frames, limits: self.settings.limits)
        } catch {
            self.logger.warning("rejected a message from the coordinator", metadata: ["error": "\(error)"])
            if WireMessage.rejectionMayBeAnswered(frames) {
                self.send(error.replyEnvelope(sequence: self.takeSequence()))
            }
            return
        }
        guard let body = message.envelope.body else { return }
        switch body {
        case .welcome(let welcome):
            self.feed(
                .welcome(
                    heartbeatInterval: .milliseconds(Int64(welcome.heartbeatIntervalMs)),
                    busyDeadAfter: welcome.busyDeadMs > 0 ? .milliseconds(Int64(welcome.busyDeadMs)) : nil))
            self.logger.info(
                "registered",
                metadata: [
                    "study": "\(welcome.studyID)",
                    "peer_timeout": "\(self.peerTimeout.map { "\($0)" } ?? "ring default")",
                ])
        case .assignment(let assignment):
            // Acknowledged on receipt, a repeat included; the core ignores a repeat.
            self.sendAck(message.envelope.sequence)
            if let job = self.job(assignment, frame: message.blobs.first) {
                self.feed(.assignment(job))
            }
        case .cancel(let cancel):
            self.sendAck(message.envelope.sequence)
            let run = RunID(trial: TrialID(cancel.trialID), attempt: Int(cancel.attempt))
            self.forgetReports(of: run)
            self.feed(.cancel(run))
        case .shutdown(let shutdown):
            self.logger.info("shutting down", metadata: ["reason": "\(shutdown.reason)"])
            self.forgetReports(of: nil)
            self.feed(.shutdown)
        case .error(let error):
            if error.code == .notRegistered {
                self.feed(.notRegistered)
            } else {
                self.logger.warning("coordinator reported an error", metadata: ["error": "\(error.message)"])
            }
        case .ack(let ack):
            self.acknowledged(ack.ackedSequence)
        case .hello, .heartbeat, .progress, .checkpoint, .result, .failure, .warmStart:
            let error = WireError(
                .unexpected, "\(body.kind) is sent by workers, not to them", sequence: message.envelope.sequence)
            self.send(error.replyEnvelope(sequence: self.takeSequence()))
        }
    }

    /// Acknowledges the coordinator's message `sequence` (an assignment or cancel, which it re-sends until then).
    private func sendAck(_ sequence: UInt64) {
        var ack = Mixrec_Cluster_V1_Ack()
        ack.ackedSequence = sequence
        self.send(.ack(ack))
    }

    func takeSequence() -> UInt64 {
        defer { self.sequence += 1 }
        return self.sequence
    }

    /// The job an assignment describes (the core fills in its peer timeout), or nil if it cannot be decoded. Its raw
    /// frame, if any, is the resume checkpoint or else the shared warm start (never both, see the validator).
    private func job(_ assignment: Mixrec_Cluster_V1_TrialAssignment, frame: [UInt8]?) -> TrialJob? {
        // The validator already checked both; a mismatch would be a validator bug, so log it and drop the run.
        guard let task = TrialTask(wire: assignment.task),
            let configuration = try? Configuration(json: assignment.configJson),
            let wire = AllReduceWire(wire: assignment.allreduceWire)
        else {
            self.logger.error("dropped an assignment the validator should have rejected")
            return nil
        }
        return TrialJob(
            trial: TrialID(assignment.trialID), attempt: Int(assignment.attempt), group: GroupID(assignment.groupID),
            rank: Int(assignment.rank), worldSize: Int(assignment.worldSize), peers: assignment.peers.map(\.endpoint),
            task: task, configuration: configuration, maxEpochs: Int(assignment.maxEpochs), seed: assignment.seed,
            resume: assignment.hasResume
                ? frame.map { ResumePoint(epoch: Int(assignment.resume.epoch), parameters: $0) } : nil,
            warmStart: assignment.hasWarmStart
                ? SharedWarmStart(
                    name: assignment.warmStart.name, file: assignment.warmStart.byteLength > 0 ? frame : nil) : nil,
            wire: wire)
    }
}
