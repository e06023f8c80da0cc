/// A worker's whole protocol logic: registration, heartbeat timing, runs, cancels and shutdown.
///
/// The worker registers with Hello, repeated every `helloRetry` until a Welcome arrives, and again whenever the
/// coordinator answers `.notRegistered` (it restarted, or declared this worker dead), training or not. Once
/// registered it heartbeats every interval the Welcome names, busy or idle. It trains one run at a time: an
/// assignment that arrives while a run trains cancels that run and waits as the pending run until the cancelled
/// one has returned. Shutdown drops the pending run, cancels the current one and stops serving once it has ended.
/// The coordinator re-sends an assignment or cancel until it is acknowledged, so a copy may arrive twice: an
/// assignment of a run that already trains, waits or ended recently is ignored (never a second run), and a cancel of
/// a run it does not train changes nothing.
/// A run whose result the shell holds back (until the run's last checkpoint upload is acknowledged, see
/// ``WorkerEvent/resultHeld(_:)``) is still this worker's as far as the coordinator knows: the heartbeats name it as
/// busy until the result is sent, so the coordinator does not take the worker for idle, end the run and re-queue its
/// trial after `heartbeat.busy_dead_ms`, only to refuse the held result as stale later (the work done twice).
/// Pure: time comes in with every event, directives go out; the shell owns the socket and the training threads.
public struct WorkerCore: Sendable {
    public let timing: WorkerTiming
    public private(set) var isRegistered = false
    /// The heartbeat interval: the timing's until a Welcome names the coordinator's.
    public private(set) var heartbeatInterval: Duration
    /// The coordinator's busy-worker timeout from its Welcome (nil until then, or if it sent none).
    public private(set) var coordinatorPeerTimeout: Duration?
    /// The run being trained (until its thread returns, even after a cancel).
    public private(set) var running: TrialJob?
    /// An assignment that arrived while another run was still ending.
    public private(set) var pending: TrialJob?
    /// Ended runs whose result the shell holds back, oldest first; a heartbeat names the first as busy while no run
    /// trains.
    public private(set) var heldResults: [RunID] = []
    public private(set) var isShuttingDown = false
    /// Shut down and no run left training: the shell stops serving. (Not latched: an assignment that slips in
    /// after Shutdown still runs first, as it always did.)
    public var isDone: Bool { self.isShuttingDown && self.running == nil }
    private var helloDue = ClusterTime.zero
    private var lastHeartbeat = ClusterTime.zero
    private var lastProgress = ClusterTime.zero
    /// The newest runs that ended or were cancelled, newest last (at most `rememberedRuns`): a copy of their
    /// assignment that arrives late must not start them again.
    private var endedRuns: [RunID] = []
    /// How many ended runs the worker remembers.
    static let rememberedRuns = 32

    /// A worker that has not registered yet; times count from the origin (`.zero`), when the shell created it.
    public init(timing: WorkerTiming) {
        self.timing = timing
        self.heartbeatInterval = timing.heartbeatInterval
    }

    /// How long this worker's ranks wait for a silent group peer: `timing.peerTimeout` if set, else the
    /// coordinator's busy-worker timeout (nil before a Welcome that carries one: the ring's default then applies).
    public var peerTimeout: Duration? { self.timing.peerTimeout ?? self.coordinatorPeerTimeout }

    /// Takes in one event at `now`.
    /// - Returns: what the shell must do, in order.
    public mutating func handle(_ event: WorkerEvent, now: ClusterTime) -> [WorkerDirective] {
        switch event {
        case .tick:
            return self.due(now: now)
        case .welcome(let interval, let busyDeadAfter):
            self.isRegistered = true
            self.heartbeatInterval = interval
            self.coordinatorPeerTimeout = busyDeadAfter
            return []
        case .notRegistered:
            // Register again at once; the next tick sends the Hello (one for a burst of rejections).
            self.isRegistered = false
            self.helloDue = now
            return []
        case .assignment(var job):
            // A copy the coordinator sent again (its Ack was lost): the run already trains, waits or is over.
            guard !self.knows(job.run) else { return [] }
            job.peerTimeout = self.peerTimeout
            guard let running = self.running else { return self.start(job) }
            self.pending = job
            return [.cancelRun(running.run)]
        case .cancel(let run):
            self.remember(run)
            if self.pending?.run == run { self.pending = nil }
            self.heldResults.removeAll { $0 == run }
            return self.running?.run == run ? [.cancelRun(run)] : []
        case .shutdown:
            self.isShuttingDown = true
            self.pending = nil
            self.heldResults = []
            return self.running.map { [.cancelRun($0.run)] } ?? []
        case .resultHeld(let run):
            if !self.heldResults.contains(run) { self.heldResults.append(run) }
            return []
        case .resultReleased(let run):
            self.heldResults.removeAll { $0 == run }
            return []
        case .runEnded(let job, let end):
            return self.report(job, end) + self.afterRun(job.run)
        }
    }

    // MARK: - Runs

    private mutating func start(_ job: TrialJob) -> [WorkerDirective] {
        self.running = job
        return [.startRun(job)]
    }

    /// Rank 0 reports a finished run's result; any rank reports a failure (its group cannot go on without it).
    private func report(_ job: TrialJob, _ end: RunEnd) -> [WorkerDirective] {
        switch end {
        case .finished(let metrics, let epochs, let seconds):
            return job.rank == 0 ? [.reportResult(job.run, metrics, epochs: epochs, seconds: seconds)] : []
        case .failed(let reason, let retryable):
            return [.reportFailure(job.run, reason: reason, retryable: retryable)]
        case .cancelled:
            return []
        }
    }

    /// Forgets the ended run and starts the pending one.
    private mutating func afterRun(_ run: RunID) -> [WorkerDirective] {
        self.remember(run)
        if self.running?.run == run { self.running = nil }
        guard self.running == nil, let job = self.pending else { return [] }
        self.pending = nil
        return self.start(job)
    }

    /// Whether `run` trains, waits, or ended (or was cancelled) recently.
    private func knows(_ run: RunID) -> Bool {
        self.running?.run == run || self.pending?.run == run || self.endedRuns.contains(run)
    }

    /// Notes that `run` ended or was cancelled, forgetting the oldest beyond `rememberedRuns`.
    private mutating func remember(_ run: RunID) {
        guard !self.endedRuns.contains(run) else { return }
        self.endedRuns.append(run)
        if self.endedRuns.count > Self.rememberedRuns { self.endedRuns.removeFirst() }
    }

    // MARK: - Timing

    /// Hello while unregistered (not when shutting down), heartbeats once registered (busy with the run that trains,
    /// else with the oldest run whose result is held), progress while training.
    private mutating func due(now: ClusterTime) -> [WorkerDirective] {
        var directives: [WorkerDirective] = []
        if !self.isRegistered && !self.isShuttingDown && now >= self.helloDue {
            self.helloDue = now + self.timing.helloRetry
            directives.append(.sendHello)
        }
        if self.isRegistered && now - self.lastHeartbeat >= self.heartbeatInterval {
            self.lastHeartbeat = now
            directives.append(.sendHeartbeat(busyWith: self.running?.run ?? self.heldResults.first))
        }
        if let running = self.running, now - self.lastProgress >= self.timing.progressInterval {
            self.lastProgress = now
            directives.append(.showProgress(running.run))
        }
        return directives
    }
}
