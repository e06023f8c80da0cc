import ClusterCore

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

extension TrialJob {
    /// The epochs this run trains: those after its checkpoint's. None when the checkpoint is of the last epoch: the
    /// run then only evaluates and reports.
    /// - Throws: `TrialRunError` (not retryable) when the checkpoint is past `maxEpochs`.
    public func epochsToTrain() throws(TrialRunError) -> Range<Int> {
        let resumed = self.resume?.epoch ?? 0
        guard resumed <= self.maxEpochs else {
            throw TrialRunError("checkpoint of epoch \(resumed) is past max_epochs \(self.maxEpochs)", retryable: false)
        }
        return resumed + 1..<self.maxEpochs + 1
    }
}
