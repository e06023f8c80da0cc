import ClusterProto
import Synchronization

/// Something the training thread hands to the worker's I/O thread.
enum WorkerOutgoing: Sendable {
    /// A protocol message (with raw frames) to send to the coordinator.
    case message(WireBody, blobs: [[UInt8]])
    /// The training thread of this run returned.
    case runEnded(TrialID, attempt: Int)
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
    private let cancelled = Atomic<Bool>(false)
    private let position = Mutex<(epoch: Int, step: Int)>((0, 0))

    init(job: TrialJob, outbox: WorkerOutbox) {
        self.job = job
        self.outbox = outbox
        self.position.withLock { $0.epoch = job.resume?.epoch ?? 0 }
    }

    /// True once the coordinator cancelled the run (pruned, reassigned) or the worker shuts down.
    public var isCancelled: Bool { self.cancelled.load(ordering: .acquiring) }

    func cancel() {
        self.cancelled.store(true, ordering: .releasing)
    }

    /// Completed epochs and optimizer steps within the current epoch, for heartbeats.
    var progress: (epoch: Int, step: Int) { self.position.withLock { $0 } }

    /// Notes the optimizer step within the current epoch (cheap; call it every step).
    public func noteStep(_ step: Int) {
        self.position.withLock { $0.step = step }
    }

    /// Reports a finished epoch's validation metrics (sent by rank 0 only).
    public func reportEpoch(_ epoch: Int, metrics: Metrics, seconds: Double) {
        self.position.withLock { $0 = (epoch, 0) }
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

    func post(_ outgoing: WorkerOutgoing) {
        self.outbox.post(outgoing)
    }
}
