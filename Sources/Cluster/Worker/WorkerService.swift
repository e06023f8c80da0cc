import ClusterProto
import Foundation
import Logging
import ZeroMQ

/// The worker process's shell around `WorkerCore`: a DEALER socket to the coordinator, the clock, and one training
/// thread per run.
///
/// `run` serves on the calling thread. It feeds the core the coordinator's messages, its runs' ends and a tick per
/// poll, each with the time, and carries out the core's directives: Hello, heartbeats (on time whatever training
/// does: training runs on its own thread and only queues reports), starting and cancelling runs, reports. It returns
/// on Shutdown once the current run has ended. Not `Sendable`: it owns a socket.
public final class WorkerService<Runner: TrialRunner> {
    let settings: WorkerSettings
    let runner: Runner
    let socket: ZMQSocket
    let outbox = WorkerOutbox()
    let logger: Logger
    /// The protocol logic; this class only carries out its directives.
    var core: WorkerCore
    /// The origin of the core's time.
    let started = ContinuousClock.now
    /// The training threads' contexts by run, from the start of a run until its thread returns.
    var runs: [RunID: TrialRunContext] = [:]
    var sequence: UInt64 = 1
    /// Results, checkpoint uploads and failures not yet acknowledged (see `WorkerService+Redelivery.swift`).
    var unacknowledged: Redelivery<SentReport>
    /// Results held back until their run's checkpoint upload is acknowledged (see `WorkerService+Redelivery.swift`).
    var heldResults: [RunID: HeldResult] = [:]
    /// Steps and all-reduce traffic of every run, sent with each heartbeat.
    public let counters = WorkerCounters()
    /// Called on the serving thread about every `progressInterval` while a run trains (for a progress display).
    public var onProgress: ((WorkerProgress) -> Void)?

    /// Creates the DEALER socket (routing id = worker id) and connects it.
    /// - Throws: `ZMQError` if the socket cannot be created or the endpoint is malformed.
    public init(
        context: ZMQContext, settings: WorkerSettings, runner: Runner,
        logger: Logger = Logger(label: "mixrec.worker")
    ) throws(ZMQError) {
        self.settings = settings
        self.runner = runner
        self.logger = logger
        self.core = WorkerCore(timing: settings.timing)
        self.unacknowledged = Redelivery(settings: settings.redelivery)
        self.socket = try ZMQSocket(context: context, type: .dealer)
        try self.socket.setRoutingID(Array(settings.workerID.utf8))
        try self.socket.setMaxMessageSize(bytes: Int64(settings.limits.maxFrameBytes))
        try self.socket.setSendTimeout(milliseconds: 1000)
        try self.socket.apply(settings.curve)
        try self.socket.connect(settings.coordinatorEndpoint)
    }

    /// How long this worker's ranks wait for a silent group peer: `settings.peerTimeout` if set, else the
    /// coordinator's busy-worker timeout (nil before a Welcome that carries one: the ring's default then applies).
    public var peerTimeout: Duration? { self.core.peerTimeout }

    // MARK: - Serving

    /// Serves until `stop` is raised or the coordinator sends Shutdown (and the current run has ended).
    /// - Throws: `ZMQError` if polling fails (the context was shut down).
    public func run(until stop: StopSignal) throws(ZMQError) {
        var poller = ZMQPoller()
        poller.add(self.socket)
        let timeout = Int(self.settings.pollInterval.wholeMilliseconds)
        while !stop.isStopped && !self.core.isDone {
            self.feed(.tick)
            self.resendUnacknowledged()
            if try poller.poll(timeoutMilliseconds: timeout)[0].contains(.readable) {
                try self.receiveAvailable()
            }
            self.flushOutbox()
        }
        self.feed(.shutdown)
        self.awaitEndOfRun(within: self.settings.stopGrace)
    }

    /// Hands `event` to the core at the current time and carries out its directives.
    func feed(_ event: WorkerEvent) {
        self.perform(self.core.handle(event, now: self.now()))
    }

    /// The state machines' time: milliseconds since this service started.
    func now() -> ClusterTime {
        ClusterTime(milliseconds: (ContinuousClock.now - self.started).wholeMilliseconds)
    }

    /// Waits, at most `limit`, for a cancelled run's training thread to reach its next cancellation check and return.
    /// A process that exits while that thread is still inside a BLAS kernel crashes in its exit handlers, which free
    /// the kernel's buffers under it.
    private func awaitEndOfRun(within limit: Duration) {
        guard let run = self.core.running else { return }
        let deadline = ContinuousClock.now + limit
        while self.core.running != nil && ContinuousClock.now < deadline {
            self.flushOutbox()
            if self.core.running != nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        if self.core.running != nil {
            self.logger.warning(
                "stopping while the cancelled run still trains",
                metadata: ["trial": "\(run.trial)", "waited": "\(limit)"])
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

    /// Sends what training threads queued and tells the core about runs that ended.
    private func flushOutbox() {
        for outgoing in self.outbox.drain() {
            switch outgoing {
            case .message(let body, let blobs):
                if let run = body.uploadedRun {
                    self.sendReport(body, blobs: blobs, run: run)
                } else {
                    self.send(body, blobs: blobs)
                }
            case .runEnded(let job, let end):
                // The context goes after the core's directives: a result held back keeps the run's last position.
                self.feed(.runEnded(job, end))
                self.runs[job.run] = nil
            }
        }
    }

    // MARK: - Sending

    func send(_ body: WireBody, blobs: [[UInt8]] = []) {
        self.send(WireEnvelope.make(sequence: self.takeSequence(), body: body), blobs: blobs)
    }

    /// Sends an envelope and its raw frames; a frame above `settings.limits.maxBlobBytes` (a checkpoint larger than
    /// the study allows) is not sent at all, with an error naming both sizes: the coordinator's socket would drop the
    /// connection without a word. A message the test switch `settings.sendFilter` drops counts as sent.
    /// - Returns: false if it was not sent because a frame is too large.
    @discardableResult
    func send(_ envelope: WireEnvelope, blobs: [[UInt8]] = []) -> Bool {
        if let largest = blobs.map(\.count).max(), largest > self.settings.limits.maxBlobBytes {
            self.logger.error(
                Logger.Message(
                    stringLiteral: "not sent: a raw frame is larger than the cluster allows (raise "
                        + "study.max_checkpoint_mib and --max-checkpoint-mib together)"),
                metadata: [
                    "kind": "\(envelope.body?.kind ?? "?")", "bytes": "\(largest)",
                    "max_bytes": "\(self.settings.limits.maxBlobBytes)",
                ])
            return false
        }
        if let filter = self.settings.sendFilter, filter.drops(envelope) {
            self.logger.debug("test switch dropped a message", metadata: ["kind": "\(envelope.body?.kind ?? "?")"])
            return true
        }
        do {
            if try !self.socket.send(WireMessage(envelope: envelope, blobs: blobs).frames()) {
                self.logger.warning("send timed out", metadata: ["kind": "\(envelope.body?.kind ?? "?")"])
            }
        } catch {
            self.logger.warning("send failed", metadata: ["error": "\(error)"])
        }
        return true
    }
}
