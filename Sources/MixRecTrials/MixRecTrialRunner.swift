import Cluster
import Foundation
import MixRec

/// Trains MixRec trials on a worker (config tasks of kind ``MixRecTrialKind/name``): builds the trial's training
/// config from the study's text, overrides and the trial's values, trains it as its rank of the group (gradients
/// summed over the group's ring all-reduce), resumes from the assignment's checkpoint, reports each epoch's
/// validation metrics (and each rung's, `train.rungs`) and uploads a checkpoint after every epoch. In a group of two
/// or more, the ranks compare a CRC-32C of their whole training state (parameters, AdamW moments, best epoch,
/// validation history) after every epoch; a mismatch fails the trial (not retryable).
///
/// One `MixRecWorkspace` (backbones, prepared datasets, cached text states) lives as long as the runner, so a worker
/// loads the backbone and encodes item text once for all the trials it trains.
public final class MixRecTrialRunner: TrialRunner {
    /// The backbones and data loaded so far.
    public let workspace: MixRecWorkspace
    /// How this worker opens its end of a run's ring (runs whose world size is above 1).
    public let links: PeerLinks
    /// Receives one line per epoch of a data-parallel run: the rank, its metrics and the replica checksum.
    public let log: @Sendable (String) -> Void

    public init(workspace: MixRecWorkspace, links: PeerLinks, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.workspace = workspace
        self.links = links
        self.log = log
    }

    public func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard case .config(MixRecTrialKind.name, let baseConfig, let overrides) = job.task else {
            throw TrialRunError("a MixRec runner cannot train a \(job.task.kind) trial", retryable: false)
        }
        let config: MixRecConfig
        do {
            config = try MixRecTrialConfig.make(
                baseConfig: baseConfig, overrides: overrides, configuration: job.configuration,
                epochs: job.maxEpochs, seed: job.seed)
        } catch {
            throw TrialRunError("the trial's training config: \(error)", retryable: false)
        }
        let group = job.worldSize > 1 ? try self.links.group(for: job, run: context) : nil
        return try self.train(config: config, group: group, job: job, context: context)
    }

    /// Trains one run to its end, an early stop, or a cancel.
    private func train(
        config: MixRecConfig, group: AllReduceGroup?, job: TrialJob, context: TrialRunContext
    ) throws -> TrialOutcome {
        let reducer = group.map { RingGradientReducer(group: $0, context: context) }
        let trainer: MixRecTrainer
        do {
            trainer = try MixRecTrainer(
                config: config, workspace: self.workspace,
                role: DataParallelRole(rank: job.rank, worldSize: job.worldSize),
                reducer: reducer)
            if let resume = job.resume { try trainer.restore(resume.parameters) }
            trainer.warmStartHandOver = job.warmStart.flatMap { self.handOver($0, config: config, context: context) }
        } catch {
            throw TrialRunError("could not set up the trial: \(error)", retryable: false)
        }
        let result: TrainingResult
        var steps = 0
        do {
            result = try trainer.train(
                onStep: { report in
                    steps = report.step
                    context.noteStep(report.batch)
                },
                onEpoch: { summary in
                    if let steps = summary.steps {
                        self.log(
                            "trial \(job.trial) rank \(job.rank)/\(job.worldSize) epoch \(summary.epoch): median "
                                + steps.summary)
                    }
                    let metrics = Self.prefixed(summary.validation, MixRecTrialConfig.validationPrefix)
                    context.reportEpoch(summary.epoch, metrics: metrics, seconds: summary.seconds)
                    let state = trainer.checkpoint()
                    if let group {
                        try self.verifyReplicas(
                            state, group: group, job: job, epoch: summary.epoch, steps: steps, metrics: metrics)
                    }
                    context.uploadCheckpoint(epoch: summary.epoch, parameters: state)
                    return context.isCancelled ? .stop : .proceed
                },
                onRung: { rung in
                    context.reportRung(
                        rung.rung, fraction: rung.fraction, epoch: rung.epoch,
                        metrics: Self.prefixed(rung.validation, MixRecTrialConfig.validationPrefix),
                        seconds: rung.seconds)
                },
                isCancelled: { context.isCancelled })
        } catch TrainingError.cancelled {
            return .cancelled
        } catch TrainingError.reduction(let reason) {
            throw TrialRunError("gradient all-reduce failed: \(reason)", retryable: true)
        } catch let error as AllReduceError {
            throw error.trialRunError
        }
        if context.isCancelled { return .cancelled }
        let metrics =
            Self.prefixed(result.validation, MixRecTrialConfig.validationPrefix)
            .merging(Self.prefixed(result.test, MixRecTrialConfig.testPrefix)) { $1 }
        return .finished(metrics, epochs: max(1, result.epochs))
    }

    /// The hand-over of the study's shared warm start: the coordinator's file is tried first (the trainer checks its
    /// full key), and when the coordinator sent none, the warm start this run computes (or finds in its own cache)
    /// is uploaded. A name that is not this run's config's (a coordinator that names warm starts otherwise) is
    /// logged and the run keeps its warm start to itself.
    private func handOver(
        _ shared: SharedWarmStart, config: MixRecConfig, context: TrialRunContext
    ) -> WarmStartHandOver? {
        let own = WarmStartKey.studyName(of: config)
        guard own == shared.name else {
            self.log(
                "trial \(context.job.trial): the coordinator's warm start \(shared.name) is not this run's "
                    + "(\(own ?? "none")); not shared")
            return nil
        }
        return WarmStartHandOver(
            received: shared.file,
            onReady: shared.file == nil ? { context.uploadWarmStart(name: shared.name, file: $0) } : nil)
    }

    /// Checks that every rank of `group` holds the same training state `state` after `epoch` and logs this rank's
    /// view (its metrics are the group's, so they match too).
    /// - Throws: `AllReduceError.replicasDiverged` (not retryable) on a mismatch, or a transport error.
    private func verifyReplicas(
        _ state: [UInt8], group: AllReduceGroup, job: TrialJob, epoch: Int, steps: Int, metrics: Metrics
    ) throws(AllReduceError) {
        let checksum = CRC32C.checksum(state)
        try group.verifyReplicas(checksum: checksum, step: steps)
        let values = metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        self.log(
            "trial \(job.trial) rank \(job.rank)/\(job.worldSize) epoch \(epoch) step \(steps): replicas agree, state "
                + "crc32c \(String(checksum, radix: 16)); \(values)")
    }

    /// `["ndcg@10": x]` as `["valid/ndcg@10": x]`.
    static func prefixed(_ metrics: [String: Double], _ prefix: String) -> Metrics {
        Dictionary(uniqueKeysWithValues: metrics.map { (prefix + $0.key, $0.value) })
    }
}

/// The trainer's gradient reducer over a run's ring, noting bytes and time on the run's context.
final class RingGradientReducer: GradientReducer {
    private let group: AllReduceGroup
    private let context: TrialRunContext

    init(group: AllReduceGroup, context: TrialRunContext) {
        self.group = group
        self.context = context
    }

    /// Notes the bytes each rank's values take on the wire (half the Float32 size on a bfloat16 wire).
    func allReduceSum(_ values: inout [Float]) throws {
        let started = ContinuousClock.now
        try self.group.sum(&values)
        self.note(bytes: values.count * self.group.settings.wire.bytesPerValue, since: started)
    }

    /// Notes them too: with `train.batch_chunks` the gradients themselves travel as `Int64` (8 bytes a value).
    func allReduceSum(_ counts: inout [Int64]) throws {
        let started = ContinuousClock.now
        try self.group.sum(&counts)
        self.note(bytes: counts.count * MemoryLayout<Int64>.size, since: started)
    }

    private func note(bytes: Int, since started: ContinuousClock.Instant) {
        self.context.noteAllReduce(bytes: bytes, seconds: (ContinuousClock.now - started).seconds)
    }
}
