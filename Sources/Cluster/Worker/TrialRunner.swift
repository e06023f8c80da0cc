import Foundation
import Search

/// One run of a trial as a worker trains it.
public struct TrialJob: Sendable, Equatable {
    public var trial: TrialID
    public var attempt: Int
    public var group: GroupID
    /// This worker's rank; rank 0 reports progress, checkpoints and the result.
    public var rank: Int
    public var worldSize: Int
    /// Peer endpoints by rank (for all-reduce).
    public var peers: [String]
    /// What the study's trials train.
    public var task: TrialTask
    /// The trial's searched (or hand-picked) values.
    public var configuration: Configuration
    public var maxEpochs: Int
    public var seed: UInt64
    /// Parameters to start from (nil: from scratch).
    public var resume: ResumePoint?
    /// How the group's ring carries gradient sums (the study's `study.allreduce.wire`); the same on every rank.
    public var wire = AllReduceWire.float32
    /// How long a rank waits for a silent group peer: the worker's `WorkerSettings.peerTimeout`, else the
    /// coordinator's busy-worker timeout from its Welcome (nil: neither, the ring's own `AllReduceSettings.timeout`).
    public var peerTimeout: Duration? = nil
}

/// A checkpoint to continue a trial from.
public struct ResumePoint: Sendable, Equatable {
    /// Epochs the parameters already cover.
    public var epoch: Int
    /// The trainable parameters as uploaded (raw little-endian Float32).
    public var parameters: [UInt8]
}

/// How a run ended when it did not throw.
public enum TrialOutcome: Sendable, Equatable {
    /// Every epoch trained; the final validation and test metrics.
    case finished(Metrics, epochs: Int)
    /// The run noticed `context.isCancelled` and stopped.
    case cancelled
}

/// A failure the coordinator may retry elsewhere (a peer vanished) or not (the configuration diverges).
public struct TrialRunError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var retryable: Bool

    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    public var description: String { self.message }
}

/// Trains trials on a worker: the MixRec trainer through an adapter, or a fake in tests.
public protocol TrialRunner: Sendable {
    /// Trains `job` on the calling thread (a dedicated one), reporting through `context` after every epoch and
    /// returning soon after `context.isCancelled` becomes true.
    /// - Throws: `TrialRunError` (or any error, treated as not retryable) when the run cannot go on.
    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome
}
