import ClusterProto
import Synchronization

/// Something the training thread hands to the worker's I/O thread.
enum WorkerOutgoing: Sendable {
    /// A protocol message (with raw frames) to send to the coordinator.
    case message(WireBody, blobs: [[UInt8]])
    /// The training thread of this job returned, and how its run ended.
    case runEnded(TrialJob, RunEnd)
}

/// The queue from training threads to the worker's I/O thread.
final class WorkerOutbox: Sendable {
    private let queue = Mutex<[WorkerOutgoing]>([])

    func post(_ outgoing: WorkerOutgoing) {
        self.queue.withLock { $0.append(outgoing) }
    }

    /// Everything posted since the last call, oldest first.
    func drain() -> [WorkerOutgoing] {
        self.queue.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
    }
}

/// The training thread's side of a run: cancellation, progress, checkpoints. Thread safe.
///
/// Reports are queued for the worker's I/O thread, which sends them; training never touches the socket, and the
/// heartbeat never waits for training.
public final class TrialRunContext: Sendable {
    /// The run this context belongs to.
    public let job: TrialJob
    private let outbox: WorkerOutbox
    private let counters: WorkerCounters
    private let cancelled = Atomic<Bool>(false)
    private let position: Mutex<RunPosition>
    private let started = ContinuousClock.now

    /// Where a run is: completed epochs, the step within the current one, what the last epoch took and reported.
    private struct RunPosition {
        var epoch: Int
        var step = 0
        var stepsPerEpoch: Int?
        var metrics: Metrics = [:]
    }

    init(job: TrialJob, outbox: WorkerOutbox, counters: WorkerCounters = WorkerCounters()) {
        self.job = job
        self.outbox = outbox
        self.counters = counters
        self.position = Mutex(RunPosition(epoch: job.resume?.epoch ?? 0))
    }

    /// True once the coordinator cancelled the run (pruned, reassigned) or the worker shuts down.
    public var isCancelled: Bool { self.cancelled.load(ordering: .acquiring) }

    func cancel() {
        self.cancelled.store(true, ordering: .releasing)
    }

    /// Completed epochs and optimizer steps within the current epoch, for heartbeats.
    var progress: (epoch: Int, step: Int) { self.position.withLock { ($0.epoch, $0.step) } }

    /// The run's progress for a display, `now` being the time it is shown.
    func snapshot(now: ContinuousClock.Instant = .now) -> WorkerProgress {
        let position = self.position.withLock { $0 }
        return WorkerProgress(
            trial: self.job.trial, attempt: self.job.attempt, epoch: position.epoch, maxEpochs: self.job.maxEpochs,
            firstEpoch: self.job.resume?.epoch ?? 0, step: position.step, stepsPerEpoch: position.stepsPerEpoch,
            seconds: (now - self.started).seconds, metrics: position.metrics)
    }

    /// Notes the optimizer step within the current epoch (cheap; call it once per step): heartbeats carry it, and
    /// the worker's step total grows by one.
    public func noteStep(_ step: Int) {
        self.position.withLock { $0.step = step }
        self.counters.addStep()
    }

    /// Notes one all-reduce round of `bytes` payload bytes that took `seconds` (heartbeats carry the totals).
    public func noteAllReduce(bytes: Int, seconds: Double) {
        self.counters.addAllReduce(bytes: bytes, seconds: seconds)
    }

    /// Reports a finished epoch's validation metrics (sent by rank 0 only).
    public func reportEpoch(_ epoch: Int, metrics: Metrics, seconds: Double) {
        self.position.withLock { position in
            if position.step > 0 { position.stepsPerEpoch = position.step }
            position.epoch = epoch
            position.step = 0
            position.metrics = metrics
        }
        self.postProgress(epoch: epoch, metrics: metrics, seconds: seconds)
    }

    /// Reports a rung's validation metrics inside epoch `epoch` (1-based; rank 0 only), as ``RungMetrics``: the
    /// coordinator's pruner compares them with the other trials' at the same rung. The epoch's position is left
    /// alone.
    public func reportRung(_ rung: Int, fraction: Double, epoch: Int, metrics: Metrics, seconds: Double) {
        self.postProgress(
            epoch: epoch, metrics: RungMetrics.encode(rung: rung, fraction: fraction, metrics: metrics),
            seconds: seconds)
    }

    private func postProgress(epoch: Int, metrics: Metrics, seconds: Double) {
        guard self.job.rank == 0 else { return }
        var progress = Mixrec_Cluster_V1_Progress()
        progress.trialID = self.job.trial.rawValue
        progress.attempt = UInt32(self.job.attempt)
        progress.epoch = UInt32(epoch)
        progress.metrics = metrics.wire
        progress.seconds = seconds
        self.post(.message(.progress(progress), blobs: []))
    }

    /// Uploads the trainable parameters after `epoch` epochs (raw little-endian Float32; rank 0 only).
    public func uploadCheckpoint(epoch: Int, parameters: [UInt8]) {
        guard self.job.rank == 0 else { return }
        var upload = Mixrec_Cluster_V1_CheckpointUpload()
        upload.trialID = self.job.trial.rawValue
        upload.attempt = UInt32(self.job.attempt)
        upload.blob = .describing(parameters, epoch: UInt32(epoch))
        self.post(.message(.checkpoint(upload), blobs: [parameters]))
    }

    /// Uploads the file of the shared warm start `name`, which the assignment named without bytes and this run
    /// computed (rank 0 only; re-sent until the coordinator has stored it).
    public func uploadWarmStart(name: String, file: [UInt8]) {
        guard self.job.rank == 0 else { return }
        var upload = Mixrec_Cluster_V1_WarmStartUpload()
        upload.trialID = self.job.trial.rawValue
        upload.attempt = UInt32(self.job.attempt)
        upload.warmStart = .describing(file, name: name)
        self.post(.message(.warmStart(upload), blobs: [file]))
    }

    func post(_ outgoing: WorkerOutgoing) {
        self.outbox.post(outgoing)
    }
}
