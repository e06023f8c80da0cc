import ClusterProto
import Foundation
import Logging
import ZeroMQ

/// The worker process's shell: a DEALER socket to the coordinator, heartbeats, and one training thread per run.
///
/// `run` serves on the calling thread. It registers (and registers again whenever the coordinator answers
/// `.notRegistered`, e.g. after the coordinator restarted), heartbeats on time whatever training does (training
/// runs on its own thread and only queues reports), starts assigned runs, cancels them on request, and returns on
/// Shutdown. Not `Sendable`: it owns a socket.
public final class WorkerService<Runner: TrialRunner> {
    let settings: WorkerSettings
    let runner: Runner
    let socket: ZMQSocket
    let outbox = WorkerOutbox()
    let logger: Logger
    var registered = false
    var lastHello: ContinuousClock.Instant?
    var lastHeartbeat = ContinuousClock.now
    var heartbeatInterval: Duration
    /// The coordinator's busy-worker timeout from its Welcome (nil until then, or if it sent none).
    var coordinatorPeerTimeout: Duration?
    /// The run being trained (until its thread ends, even after a cancel).
    var current: TrialRunContext?
    /// An assignment that arrived while another run was still ending.
    var pending: TrialJob?
    var sequence: UInt64 = 1
    var shuttingDown = false
    /// Steps and all-reduce traffic of every run, sent with each heartbeat.
    public let counters = WorkerCounters()
    /// Called on the serving thread about every `progressInterval` while a run trains (for a progress display).
    public var onProgress: ((WorkerProgress) -> Void)?
    var lastProgress = ContinuousClock.now

    /// Creates the DEALER socket (routing id = worker id) and connects it.
    /// - Throws: `ZMQError` if the socket cannot be created or the endpoint is malformed.
    public init(
        context: ZMQContext, settings: WorkerSettings, runner: Runner,
        logger: Logger = Logger(label: "mixrec.worker")
    ) throws(ZMQError) {
        self.settings = settings
        self.runner = runner
        self.logger = logger
        self.heartbeatInterval = settings.heartbeatInterval
        self.socket = try ZMQSocket(context: context, type: .dealer)
        try self.socket.setRoutingID(Array(settings.workerID.utf8))
        try self.socket.setMaxMessageSize(
            bytes: Int64(max(settings.limits.maxBlobBytes, settings.limits.maxEnvelopeBytes)))
        try self.socket.setSendTimeout(milliseconds: 1000)
        try self.socket.apply(settings.curve)
        try self.socket.connect(settings.coordinatorEndpoint)
    }

    /// How long this worker's ranks wait for a silent group peer: `settings.peerTimeout` if set, else the
    /// coordinator's busy-worker timeout (nil before a Welcome that carries one: the ring's default then applies).
    public var peerTimeout: Duration? { self.settings.peerTimeout ?? self.coordinatorPeerTimeout }

    // MARK: - Serving

    /// Serves until `stop` is raised or the coordinator sends Shutdown (and the current run has ended).
    /// - Throws: `ZMQError` if polling fails (the context was shut down).
    public func run(until stop: StopSignal) throws(ZMQError) {
        var poller = ZMQPoller()
        poller.add(self.socket)
        let timeout = Int(self.settings.pollInterval.wholeMilliseconds)
        while !stop.isStopped && !(self.shuttingDown && self.current == nil) {
            if !self.registered && !self.shuttingDown {
                self.helloIfDue()
            }
            if try poller.poll(timeoutMilliseconds: timeout)[0].contains(.readable) {
                try self.receiveAvailable()
            }
            self.flushOutbox()
            if self.registered && ContinuousClock.now - self.lastHeartbeat >= self.heartbeatInterval {
                self.sendHeartbeat()
            }
            if let current = self.current, let onProgress = self.onProgress,
                ContinuousClock.now - self.lastProgress >= self.settings.progressInterval
            {
                self.lastProgress = ContinuousClock.now
                onProgress(current.snapshot())
            }
        }
        self.current?.cancel()
        self.awaitEndOfRun(within: self.settings.stopGrace)
    }

    /// Waits, at most `limit`, for a cancelled run's training thread to reach its next cancellation check and return.
    /// A process that exits while that thread is still inside a BLAS kernel crashes in its exit handlers, which free
    /// the kernel's buffers under it.
    private func awaitEndOfRun(within limit: Duration) {
        guard let run = self.current else { return }
        self.pending = nil
        let deadline = ContinuousClock.now + limit
        while self.current != nil && ContinuousClock.now < deadline {
            self.flushOutbox()
            if self.current != nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        if self.current != nil {
            self.logger.warning(
                "stopping while the cancelled run still trains",
                metadata: ["trial": "\(run.job.trial)", "waited": "\(limit)"])
        }
    }

    private func receiveAvailable() throws(ZMQError) {
        while true {
            let frames: [[UInt8]]
            do {
                guard
                    let received = try self.socket.receive(
                        maxFrames: self.settings.limits.maxFrames + 8, dontWait: true)
                else { return }
                frames = received
            } catch  where error.code == EMSGSIZE {
                self.logger.warning("dropped a message with too many frames")
                continue
            }
            self.handle(frames)
        }
    }

    /// Sends what training threads queued and starts a pending run once the previous one has ended.
    private func flushOutbox() {
        for outgoing in self.outbox.drain() {
            switch outgoing {
            case .message(let body, let blobs):
                self.send(body, blobs: blobs)
            case .runEnded(let trial, let attempt):
                if let current = self.current, current.job.trial == trial, current.job.attempt == attempt {
                    self.current = nil
                }
            }
        }
        if self.current == nil, let job = self.pending {
            self.pending = nil
            self.start(job)
        }
    }

    // MARK: - Sending

    func send(_ body: WireBody, blobs: [[UInt8]] = []) {
        let envelope = WireEnvelope.make(sequence: self.sequence, body: body)
        self.sequence += 1
        self.send(envelope, blobs: blobs)
    }

    func send(_ envelope: WireEnvelope, blobs: [[UInt8]] = []) {
        do {
            if try !self.socket.send(WireMessage(envelope: envelope, blobs: blobs).frames()) {
                self.logger.warning("send timed out", metadata: ["kind": "\(envelope.body?.kind ?? "?")"])
            }
        } catch {
            self.logger.warning("send failed", metadata: ["error": "\(error)"])
        }
    }

    private func helloIfDue() {
        if let last = self.lastHello, ContinuousClock.now - last < self.settings.helloRetry { return }
        var hello = Mixrec_Cluster_V1_Hello()
        hello.workerID = self.settings.workerID
        hello.incarnation = self.settings.incarnation
        hello.host = self.settings.host
        hello.cores = UInt32(self.settings.cores)
        hello.protocolVersion = ClusterProtocol.version
        hello.peerEndpoint = self.settings.peerEndpoint
        hello.cachedDatasets = self.settings.cachedDatasets
        hello.cachedModels = self.settings.cachedModels
        self.send(.hello(hello))
        self.lastHello = ContinuousClock.now
    }

    private func sendHeartbeat() {
        var heartbeat = Mixrec_Cluster_V1_Heartbeat()
        heartbeat.workerID = self.settings.workerID
        heartbeat.incarnation = self.settings.incarnation
        heartbeat.activity = .idle
        let totals = self.counters.snapshot
        heartbeat.stepsTotal = totals.steps
        heartbeat.allreduceBytes = totals.allReduceBytes
        heartbeat.allreduceSeconds = totals.allReduceSeconds
        if let current = self.current {
            let progress = current.progress
            heartbeat.activity = .busy
            heartbeat.trialID = current.job.trial.rawValue
            heartbeat.attempt = UInt32(current.job.attempt)
            heartbeat.epoch = UInt32(progress.epoch)
            heartbeat.step = UInt64(progress.step)
        }
        self.send(.heartbeat(heartbeat))
        self.lastHeartbeat = ContinuousClock.now
    }
}
