import ClusterProto
import Foundation
import Logging
import ZeroMQ

/// The coordinator process's shell: a ROUTER socket, a clock and the study store around `CoordinatorCore`.
///
/// `run` serves on the calling thread (a dedicated `Thread`, never the cooperative pool): it polls the socket with
/// the tick interval as timeout, validates every message (answering bad ones with an `Error` and carrying on),
/// feeds the pure state machine and carries out its directives: replies, assignments with resume checkpoints,
/// cancels, and writes to the study store. The directives of one event are one state transition, written in one
/// store transaction before any message that depends on it is sent (`CoordinatorService+Transitions.swift`); a
/// store that refuses it pauses scheduling until a retry succeeds (`CoordinatorService+Outage.swift`). Not
/// `Sendable`: it owns a socket.
public final class CoordinatorService<Proposer: TrialProposer, Pruner: TrialPruner> {
    let settings: CoordinatorSettings
    let store: StudyStore
    let context: ZMQContext
    /// The ROUTER socket workers connect to; replaced by a new one bound to the same endpoint when an allow-list
    /// reload withdraws a key (`CoordinatorService+Revocation.swift`).
    var socket: ZMQSocket
    /// The socket's connection events: closed connections are counted and logged.
    var connectionMonitor: ZMQSocketMonitor
    /// At most one closed-connection log line per `settings.closedConnectionLogInterval`.
    var closedConnectionLog: LogRateLimit
    /// The endpoint the socket is bound to, its port resolved (what a replacement socket binds again).
    let servingEndpoint: String
    var core: CoordinatorCore
    var proposer: Proposer
    let pruner: Pruner
    let logger: Logger
    let started = ContinuousClock.now
    /// ROUTER identity of each registered worker, and back.
    var identities: [WorkerID: [UInt8]] = [:]
    var workersByIdentity: [[UInt8]: WorkerID] = [:]
    /// The CURVE key (ZAP `User-Id`) each registered worker's connection authenticated with; empty without CURVE.
    var workerKeys: [WorkerID: String] = [:]
    /// The version of `settings.liveAllowList` the registered workers' keys were last checked against.
    var allowListVersion = 0
    /// The allow-list the open connections were admitted under (nil without CURVE): a reload that withdraws one of
    /// its keys closes them all (`CoordinatorService+Revocation.swift`).
    var admittedAllowList: CurveAllowList?
    /// Set when a reload withdrew a key: the socket is replaced at the top of the next turn of the serving loop.
    var connectionsToClose = false
    /// The refused keys already logged at warning level since the last allow-list change (later refusals of the same
    /// key are logged at debug level, so a revoked worker that keeps sending does not flood the log).
    var refusedKeysLogged: Set<String> = []
    var nextSequence: UInt64 = 1
    var finished = false
    /// Set by a `stop` request from the inbox.
    var stopRequested = false
    let inbox: StudyInbox
    /// Messages received, sent and rejected; stored every `counterFlushInterval`.
    var counters: CoordinatorCounters
    var countersFlushed = ContinuousClock.now
    /// Step rates and all-reduce totals from the workers' heartbeats.
    var throughput: WorkerThroughput
    /// Set while the study store refuses writes (see `CoordinatorService+Outage.swift`).
    var outage: StoreOutage?
    /// The transitions the store refused, oldest first; retried in order while `outage` lasts.
    var unwritten: [Transition] = []
    /// Workers' messages held back during an outage.
    var deferred: DeferredMessages
    /// When each worker's row is next written from its heartbeats.
    var workerRows: WorkerRowSchedule
    /// Throughput samples not yet written, by worker.
    var throughputSamples: [WorkerID: WorkerThroughputRecord] = [:]
    /// Assignments and cancels not yet acknowledged (see `CoordinatorService+Acks.swift`).
    var undelivered: Redelivery<SentOrder>
    /// The study's shared warm starts on disk (see `CoordinatorService+WarmStarts.swift`).
    let warmStartFiles: StudyWarmStarts
    /// Which warm start each trial needs.
    let warmStartNames: TrialWarmStartNames

    /// Opens the study (creating or continuing it), restores the scheduler from it and binds the socket.
    /// - Throws: `CoordinatorError` if the stored study has another configuration, the store or bind fails, or
    ///   (`.noZAPHandler`) CURVE is configured and no ZAP handler runs in `context`.
    public init(
        context: ZMQContext, settings: CoordinatorSettings, store: StudyStore, proposer: Proposer, pruner: Pruner,
        logger: Logger = Logger(label: "mixrec.coordinator")
    ) throws(CoordinatorError) {
        self.settings = settings
        self.store = store
        self.context = context
        self.proposer = proposer
        self.pruner = pruner
        self.logger = logger
        self.inbox = StudyInbox(studyDirectory: store.directory)
        self.throughput = WorkerThroughput(window: settings.throughputWindow)
        self.deferred = DeferredMessages(
            maxMessages: settings.deferredMessageLimit, maxBytes: settings.deferredByteLimit)
        self.workerRows = WorkerRowSchedule(interval: settings.workerRowInterval)
        self.closedConnectionLog = LogRateLimit(interval: settings.closedConnectionLogInterval)
        self.undelivered = Redelivery(settings: settings.redelivery)
        self.warmStartFiles = StudyWarmStarts(studyDirectory: store.directory) { logger.warning("\($0)") }
        self.warmStartNames = TrialWarmStartNames(settings.warmStartNaming)
        if let problem = settings.problem { throw .invalidSettings(problem) }
        // Before the study is touched: a CURVE socket without a ZAP handler would admit nobody.
        if settings.curve != nil && !ZAPAuthenticator.isServing(in: context) { throw .noZAPHandler }
        try Self.openStudy(store, settings: settings)
        store.removePartialCheckpointFiles()
        let restored: [Trial]
        do {
            restored = try store.trials()
            self.counters = CoordinatorCounters(stored: try store.coordinatorCounters())
        } catch {
            throw .store(error)
        }
        self.core = CoordinatorCore(
            membership: WorkerMembership(settings: settings.membership),
            scheduler: TrialScheduler(settings: settings.scheduler, restoring: restored))
        if settings.warmStartNaming != nil { self.core.warmStartsHeld(self.warmStartFiles.intactNames()) }
        do {
            (self.socket, self.connectionMonitor) = try Self.openSocket(
                context: context, settings: settings, endpoint: settings.bindEndpoint)
            self.servingEndpoint = try self.socket.lastEndpoint()
        } catch {
            throw .transport(error)
        }
        self.admittedAllowList = settings.curve.map { settings.liveAllowList?.current ?? $0.allowList }
        self.allowListVersion = settings.liveAllowList?.version ?? 0
        logger.info(
            "coordinator serving",
            metadata: [
                "endpoint": "\(settings.bindEndpoint)", "restored": "\(restored.count)",
                "max_frame_bytes": "\(settings.limits.maxFrameBytes)",
            ])
    }

    /// The endpoint actually bound (with the port filled in when the settings said `*`).
    public func boundEndpoint() throws(ZMQError) -> String {
        try self.socket.lastEndpoint()
    }

    /// A ROUTER socket configured for workers (mandatory routing, frame bound, send timeout, CURVE), bound to
    /// `endpoint`, and the monitor of its connections.
    static func openSocket(
        context: ZMQContext, settings: CoordinatorSettings, endpoint: String
    ) throws(ZMQError) -> (ZMQSocket, ZMQSocketMonitor) {
        let socket = try ZMQSocket(context: context, type: .router)
        try socket.setRouterMandatory(true)
        try socket.setMaxMessageSize(bytes: Int64(settings.limits.maxFrameBytes))
        try socket.setSendTimeout(milliseconds: 1000)
        try socket.apply(settings.curve)
        try socket.bind(endpoint)
        let monitor = try ZMQSocketMonitor(socket, name: "mixrec.coordinator.connections.\(UUID().uuidString)")
        return (socket, monitor)
    }

    /// Creates the study row, or checks the stored study's configuration: identical, or changed only in ways
    /// `isSafeChange` accepts (then the new configuration is stored and the change logged).
    private static func openStudy(_ store: StudyStore, settings: CoordinatorSettings) throws(CoordinatorError) {
        do {
            guard var study = try store.study() else {
                try store.saveStudy(
                    StudyRecord(
                        name: settings.studyName, configJSON: settings.studyConfigText,
                        seed: Int64(bitPattern: settings.seed), budget: settings.scheduler.budget, state: .running,
                        createdAt: Date()))
                return
            }
            guard study.configHash != StudyRecord.hash(of: settings.studyConfigText) else {
                if study.state == .stopped {
                    study.state = .running
                    try store.saveStudy(study)
                }
                return
            }
            let changes: [ConfigChange]
            do {
                changes = try ConfigDiff.between(old: study.configJSON, new: settings.studyConfigText)
            } catch {
                changes = [
                    ConfigChange(path: "(whole configuration)", old: study.configJSON, new: settings.studyConfigText)
                ]
            }
            let unsafe = changes.filter { !settings.isSafeChange($0) }
            guard unsafe.isEmpty else { throw CoordinatorError.configurationChanged(unsafe) }
            study.configJSON = settings.studyConfigText
            study.configHash = StudyRecord.hash(of: settings.studyConfigText)
            study.budget = settings.scheduler.budget
            study.state = .running
            try store.saveStudy(study)
            try store.log(
                StudyEvent(
                    at: Date(), kind: "study.reconfigured", message: changes.map(\.description).joined(separator: "; "))
            )
        } catch let error as CoordinatorError {
            throw error
        } catch let error as StudyStoreError {
            throw .store(error)
        } catch {
            throw .store(.database(operation: "open study", message: "\(error)"))
        }
    }

    // MARK: - Serving

    /// Serves until `stop` is raised or (with `exitWhenFinished`) the study is finished.
    /// - Throws: `CoordinatorError.transport` if polling fails (the context was shut down, say).
    public func run(until stop: StopSignal) throws(CoordinatorError) {
        var poller = self.poller()
        let tick = Int(self.settings.tickInterval.wholeMilliseconds)
        var nextTick = self.now()
        while !stop.isStopped && !self.stopRequested && !(self.finished && self.settings.exitWhenFinished) {
            if self.connectionsToClose {
                try self.closeEveryConnection()
                poller = self.poller()
            }
            do {
                // During an outage the next retry is all there is to wait for.
                let wake = self.outage?.nextAttempt ?? nextTick
                let ready = try poller.poll(timeoutMilliseconds: max(0, Int((wake - self.now()).wholeMilliseconds)))
                if ready[0].contains(.readable) {
                    try self.receiveAvailable()
                }
                if ready[1].contains(.readable) {
                    try self.recordConnectionEvents()
                }
            } catch {
                throw .transport(error)
            }
            self.retryUnwritten()
            // While the store refuses writes nothing new happens: no tick, no new trial, no operator request.
            guard self.outage == nil else { continue }
            // Each step may begin an outage; the next waits for its end.
            if self.now() >= nextTick {
                self.revokeWithdrawnKeys()
                self.summariseClosedConnections()
                self.perform(self.core.onTick(now: self.now()))
                self.resendUnacknowledged()
                if self.outage == nil { self.takeRequests() }
                if self.outage == nil { self.flushTelemetry(force: false) }
                nextTick = self.now() + .milliseconds(tick)
            }
            if self.outage == nil {
                self.perform(self.core.fill(proposer: &self.proposer, naming: self.warmStartNames))
            }
        }
        self.reportUnwrittenAtExit()
        if self.outage == nil { self.flushTelemetry(force: true) }
        if self.finished {
            // Let the Shutdown messages just queued reach the workers after the socket closes.
            try? self.socket.setLinger(milliseconds: 1000)
        }
    }

    /// Polls the socket (index 0) and its connection monitor (index 1).
    private func poller() -> ZMQPoller {
        var poller = ZMQPoller()
        poller.add(self.socket)
        poller.add(self.connectionMonitor.socket)
        return poller
    }

    /// Every trial as the scheduler holds it in memory, in id order (what the study database must agree with).
    public var trials: [Trial] {
        self.core.scheduler.trials.values.sorted { $0.id < $1.id }
    }

    /// The state machines' time: milliseconds since this service started.
    func now() -> ClusterTime {
        ClusterTime(milliseconds: (ContinuousClock.now - self.started).wholeMilliseconds)
    }

    /// Handles every queued message without blocking.
    func receiveAvailable() throws(ZMQError) {
        while true {
            let message: (frames: [[UInt8]], userID: String?)
            do {
                // Room for a few frames over the limit, so such messages are decoded and answered with
                // `.tooLarge`; only absurd frame counts are dropped by the socket layer.
                let maxFrames = 1 + self.settings.limits.maxFrames + 8
                guard let received = try self.socket.receiveWithUserID(maxFrames: maxFrames, dontWait: true)
                else { return }
                message = received
            } catch  where error.code == EMSGSIZE {
                self.logger.warning("dropped a message with too many frames")
                continue
            }
            self.handle(message.frames, key: message.userID)
        }
    }
}
