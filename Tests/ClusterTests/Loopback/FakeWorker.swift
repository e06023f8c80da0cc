import Cluster
import ClusterProto
import Foundation
import ZeroMQ

/// A scripted worker for loopback tests: a DEALER that sends protocol messages and waits (bounded) for replies.
final class FakeWorker {
    let id: String
    let incarnation: UInt64
    let socket: ZMQSocket
    private var sequence: UInt64 = 1
    /// Whether `next` acknowledges the assignments and cancels it receives, as a real worker does (else the
    /// coordinator re-sends them).
    var acknowledges = true
    /// Whether `next` passes the coordinator's Acks to its condition (`nextAck`) instead of skipping them.
    private var awaitsAcks = false

    init(
        _ id: String, incarnation: UInt64 = 1, context: ZMQContext, endpoint: String,
        curve: CurveClientSettings? = nil
    ) throws {
        self.id = id
        self.incarnation = incarnation
        self.socket = try ZMQSocket(context: context, type: .dealer)
        try self.socket.setReceiveTimeout(milliseconds: 50)
        try self.socket.apply(curve)
        try self.socket.connect(endpoint)
    }

    func send(_ body: WireBody, blobs: [[UInt8]] = []) throws {
        try self.socket.send(WireMessage(sequence: self.sequence, body: body, blobs: blobs).frames())
        self.sequence += 1
    }

    func sendRaw(_ frames: [[UInt8]]) throws {
        try self.socket.send(frames)
    }

    func ack(_ sequence: UInt64) throws {
        var ack = Mixrec_Cluster_V1_Ack()
        ack.ackedSequence = sequence
        try self.send(.ack(ack))
    }

    /// Waits for the coordinator's next `Ack`.
    /// - Returns: the sequence number it acknowledges, nil after `timeout`.
    func nextAck(timeout: Duration = .seconds(10)) throws -> UInt64? {
        self.awaitsAcks = true
        defer { self.awaitsAcks = false }
        return try self.next(timeout: timeout, where: { $0.ack != nil })?.ack?.ackedSequence
    }

    func hello() throws {
        var hello = Mixrec_Cluster_V1_Hello()
        hello.workerID = self.id
        hello.incarnation = self.incarnation
        hello.host = "localhost"
        hello.cores = 1
        hello.protocolVersion = ClusterProtocol.version
        hello.peerEndpoint = "tcp://127.0.0.1:1"
        try self.send(.hello(hello))
    }

    func heartbeat(busyWith run: (trial: UInt64, attempt: UInt32)? = nil, steps: UInt64 = 0) throws {
        var heartbeat = Mixrec_Cluster_V1_Heartbeat()
        heartbeat.stepsTotal = steps
        heartbeat.allreduceBytes = steps * 1000
        heartbeat.allreduceSeconds = Double(steps) / 100
        heartbeat.workerID = self.id
        heartbeat.incarnation = self.incarnation
        heartbeat.activity = run == nil ? .idle : .busy
        heartbeat.trialID = run?.trial ?? 0
        heartbeat.attempt = run?.attempt ?? 0
        try self.send(.heartbeat(heartbeat))
    }

    func checkpoint(trial: UInt64, attempt: UInt32, epoch: UInt32, parameters: [UInt8]) throws {
        var upload = Mixrec_Cluster_V1_CheckpointUpload()
        upload.trialID = trial
        upload.attempt = attempt
        upload.blob = .describing(parameters, epoch: epoch)
        try self.send(.checkpoint(upload), blobs: [parameters])
    }

    /// Uploads `file` as the warm start `name` of the run.
    /// - Returns: the upload's sequence number (its `Ack` names it).
    @discardableResult
    func warmStart(trial: UInt64, attempt: UInt32, name: String, file: [UInt8]) throws -> UInt64 {
        let sequence = self.sequence
        var upload = Mixrec_Cluster_V1_WarmStartUpload()
        upload.trialID = trial
        upload.attempt = attempt
        upload.warmStart = .describing(file, name: name)
        try self.send(.warmStart(upload), blobs: [file])
        return sequence
    }

    func result(trial: UInt64, attempt: UInt32, ndcg: Double) throws {
        var result = Mixrec_Cluster_V1_TrialResult()
        result.trialID = trial
        result.attempt = attempt
        result.metrics = ["valid/ndcg@10": ndcg].wire
        result.seconds = 1
        result.epochs = 2
        try self.send(.result(result))
    }

    /// Receives messages until one matches, heartbeating every `heartbeatEvery` while waiting.
    /// - Returns: nil after `timeout` without a match.
    func next(
        timeout: Duration = .seconds(10), heartbeatEvery: Duration? = nil,
        where matches: (WireMessage) -> Bool = { _ in true }
    ) throws -> WireMessage? {
        let deadline = ContinuousClock.now + timeout
        var lastBeat = ContinuousClock.now
        while ContinuousClock.now < deadline {
            if let every = heartbeatEvery, ContinuousClock.now - lastBeat >= every {
                try self.heartbeat()
                lastBeat = ContinuousClock.now
            }
            guard let frames = try self.socket.receive(maxFrames: 4) else { continue }
            let message = try WireMessage.decode(frames: frames)
            if self.acknowledges, message.assignment != nil || message.kind == "CancelTrial" {
                try self.ack(message.envelope.sequence)
            }
            // The coordinator's Acks of reports are skipped (as a worker handles them on the side) unless awaited.
            if message.ack != nil && !self.awaitsAcks { continue }
            if matches(message) { return message }
        }
        return nil
    }
}

extension WireMessage {
    var assignment: Mixrec_Cluster_V1_TrialAssignment? {
        if case .assignment(let assignment) = self.envelope.body { assignment } else { nil }
    }
    var error: Mixrec_Cluster_V1_Error? {
        if case .error(let error) = self.envelope.body { error } else { nil }
    }
    var kind: String { self.envelope.body?.kind ?? "none" }
    var ack: Mixrec_Cluster_V1_Ack? {
        if case .ack(let ack) = self.envelope.body { ack } else { nil }
    }
}
