import ClusterProto
import Foundation
import Logging
import ZeroMQ

// MARK: - Handling one received message

extension CoordinatorService {
    /// Validates `[identity][envelope][blobs…]` and feeds it to the state machine; bad messages get an Error
    /// (unless they are an Error).
    /// - Parameter key: the CURVE public key the sender's connection authenticated with (nil without CURVE).
    func handle(_ frames: [[UInt8]], key: String?) {
        guard frames.count >= 2 else {
            self.logger.warning("dropped a message without an identity or envelope frame")
            return
        }
        let identity = frames[0]
        self.revokeWithdrawnKeys()
        if let refusal = self.connectionRefusal(key: key) {
            self.refuse(identity, key: key, because: refusal)
            return
        }
        let message: WireMessage
        do {
            message = try WireMessage.decode(frames: frames.dropFirst(), limits: self.settings.limits)
        } catch {
            self.counters.increment(CoordinatorCounters.received, "undecodable")
            self.logger.warning("rejected a message", metadata: ["error": "\(error)"])
            if WireMessage.rejectionMayBeAnswered(frames.dropFirst()) {
                self.send(error.replyEnvelope(sequence: self.takeSequence()), to: identity)
            }
            return
        }
        guard let body = message.envelope.body else { return }
        self.counters.increment(CoordinatorCounters.received, body.kind)
        self.dispatch(message, identity: identity, key: key)
    }

    /// Feeds a valid message to the state machine, or queues it while the study store fails (see
    /// `CoordinatorService+Outage.swift`) if it could change state.
    func dispatch(_ message: WireMessage, identity: [UInt8], key: String?) {
        guard let body = message.envelope.body else { return }
        if self.outage != nil, body.changesState {
            self.deferDuringOutage(message, identity: identity, key: key)
            return
        }
        let now = self.now()
        switch body {
        case .hello(let hello):
            let worker = WorkerID(hello.workerID)
            if let refusal = self.keyRefusal(of: worker, key: key) {
                self.logger.warning(
                    "refused a registration", metadata: ["worker": "\(worker)", "reason": "\(refusal)"])
                self.send(
                    WireError(.outOfRange, refusal, sequence: message.envelope.sequence)
                        .replyEnvelope(sequence: self.takeSequence()), to: identity)
                return
            }
            let directives = self.core.onHello(WorkerInfo(hello), now: now)
            for case .membership(.reject(_, let error)) in directives {
                // A stale incarnation: answer it on its own connection and keep the registered one's mapping.
                self.send(
                    error.inReplyTo(message.envelope.sequence).replyEnvelope(sequence: self.takeSequence()),
                    to: identity)
                return
            }
            if let old = self.identities[worker], old != identity { self.workersByIdentity[old] = nil }
            self.identities[worker] = identity
            self.workersByIdentity[identity] = worker
            self.workerKeys[worker] = key
            self.perform(directives)
        case .heartbeat(let heartbeat):
            guard let worker = self.sender(identity, key: key, claims: heartbeat.workerID, message: message) else {
                return
            }
            let position = TrainingPosition(epoch: Int(heartbeat.epoch), step: Int(clamping: heartbeat.step))
            let runs =
                heartbeat.activity == .busy ? (TrialID(heartbeat.trialID), Int(heartbeat.attempt), position) : nil
            let directives = self.core.onHeartbeat(
                from: worker, incarnation: heartbeat.incarnation, runs: runs, now: now)
            self.perform(directives)
            if !directives.contains(where: { if case .membership(.reject) = $0 { true } else { false } }) {
                self.recordThroughput(heartbeat, of: worker, now: now)
            }
        case .progress, .checkpoint, .result, .failure:
            guard let worker = self.sender(identity, key: key, claims: nil, message: message),
                let report = WorkerReport(body)
            else { return }
            self.perform(
                self.core.onReport(report, from: worker, now: now, pruner: self.pruner), blob: message.blobs.first,
                acknowledges: report.isAcknowledged
                    ? InboundReceipt(identity: identity, sequence: message.envelope.sequence) : nil)
        case .warmStart(let upload):
            guard let worker = self.sender(identity, key: key, claims: nil, message: message),
                let file = message.blobs.first
            else { return }
            self.receiveWarmStart(
                upload, file: file, from: worker,
                receipt: InboundReceipt(identity: identity, sequence: message.envelope.sequence))
        case .error(let error):
            self.logger.warning(
                "worker reported an error", metadata: ["code": "\(error.code)", "message": "\(error.message)"])
        case .ack(let ack):
            guard let worker = self.sender(identity, key: key, claims: nil, message: message) else { return }
            self.acknowledged(ack.ackedSequence, by: worker)
        case .welcome, .shutdown, .assignment, .cancel:
            let error = WireError(.unexpected, "\(body.kind) is sent by the coordinator, not to it")
            self.send(
                error.inReplyTo(message.envelope.sequence).replyEnvelope(sequence: self.takeSequence()), to: identity)
        }
    }

    /// The registered worker behind `identity`, when the message comes with the CURVE key it registered with;
    /// answers `.notRegistered` (or a mismatch) and returns nil otherwise.
    private func sender(_ identity: [UInt8], key: String?, claims claimed: String?, message: WireMessage)
        -> WorkerID?
    {
        // Another key behind a registered identity is another client reusing the worker's routing id.
        guard let worker = self.workersByIdentity[identity], self.workerKeys[worker] == key else {
            let error = WireError(.notRegistered, "send Hello first", sequence: message.envelope.sequence)
            self.send(error.replyEnvelope(sequence: self.takeSequence()), to: identity)
            return nil
        }
        if let claimed, claimed != worker.rawValue {
            let error = WireError(
                .outOfRange, "connection of \(worker) claims to be \(claimed)", sequence: message.envelope.sequence)
            self.send(error.replyEnvelope(sequence: self.takeSequence()), to: identity)
            return nil
        }
        return worker
    }

    // MARK: - Sending

    func takeSequence() -> UInt64 {
        defer { self.nextSequence += 1 }
        return self.nextSequence
    }

    /// Sends an envelope (and raw frames) to a peer; a peer that went away is logged, not fatal. A message the test
    /// switch `settings.sendFilter` drops counts as sent.
    func send(_ envelope: WireEnvelope, blobs: [[UInt8]] = [], to identity: [UInt8]) {
        if let body = envelope.body {
            self.counters.increment(CoordinatorCounters.sent, body.kind)
            if case .error(let error) = body { self.counters.increment(CoordinatorCounters.rejected, "\(error.code)") }
        }
        if let filter = self.settings.sendFilter, filter.drops(envelope) {
            self.logger.debug("test switch dropped a message", metadata: ["kind": "\(envelope.body?.kind ?? "?")"])
            return
        }
        do {
            let frames = try WireMessage(envelope: envelope, blobs: blobs).frames()
            if try !self.socket.send([identity] + frames) {
                self.logger.warning("send timed out", metadata: ["kind": "\(envelope.body?.kind ?? "?")"])
            }
        } catch {
            self.logger.warning("send failed", metadata: ["error": "\(error)"])
        }
    }

    /// Answers a registered worker with an `Error`.
    func sendError(_ error: WireError, to worker: WorkerID) {
        guard let identity = self.identities[worker] else { return }
        self.send(error.replyEnvelope(sequence: self.takeSequence()), to: identity)
    }

    /// Sends to a registered worker by id.
    func send(_ body: WireBody, blobs: [[UInt8]] = [], to worker: WorkerID) {
        guard let identity = self.identities[worker] else { return }
        self.send(WireEnvelope.make(sequence: self.takeSequence(), body: body), blobs: blobs, to: identity)
    }
}

extension WireBody {
    /// Whether the coordinator's state machine may change state on this message from a worker (registration,
    /// liveness, a run's reports); the others are answered without a state change.
    var changesState: Bool {
        switch self {
        case .hello, .heartbeat, .progress, .checkpoint, .result, .failure, .warmStart: true
        case .error, .ack, .welcome, .shutdown, .assignment, .cancel: false
        }
    }
}
