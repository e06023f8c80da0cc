import Foundation
import MixRec

/// Trains MixRec trials on a worker (`TrialTask.mixrec`): builds the trial's training config from the study's text,
/// overrides and the trial's values, trains it as its rank of the group (gradients summed over the group's ring
/// all-reduce), resumes from the assignment's checkpoint, reports each epoch's validation metrics and uploads a
/// checkpoint after every epoch.
///
/// One `MixRecWorkspace` (backbones, prepared datasets, cached text states) lives as long as the runner, so a worker
/// loads the backbone and encodes item text once for all the trials it trains.
public final class MixRecTrialRunner: TrialRunner {
    /// The backbones and data loaded so far.
    public let workspace: MixRecWorkspace
    /// How this worker opens its end of a run's ring (runs whose world size is above 1).
    public let links: PeerLinks

    public init(workspace: MixRecWorkspace, links: PeerLinks) {
        self.workspace = workspace
        self.links = links
    }

    public func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard case .mixrec(let baseConfig, let overrides) = job.task else {
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
        let group = job.worldSize > 1 ? try self.links.group(for: job) : nil
        return try Self.train(config: config, workspace: self.workspace, group: group, job: job, context: context)
    }

    /// Trains one run to its end, an early stop, or a cancel.
    private static func train(
        config: MixRecConfig, workspace: MixRecWorkspace, group: AllReduceGroup?, job: TrialJob,
        context: TrialRunContext
    ) throws -> TrialOutcome {
        let reducer = group.map { RingGradientReducer(group: $0, context: context) }
        let trainer: MixRecTrainer
        do {
            trainer = try MixRecTrainer(
                config: config, workspace: workspace, role: DataParallelRole(rank: job.rank, worldSize: job.worldSize),
                reducer: reducer)
            if let resume = job.resume { try trainer.restore(resume.parameters) }
        } catch {
            throw TrialRunError("could not set up the trial: \(error)", retryable: false)
        }
        let result: TrainingResult
        do {
            result = try trainer.train(
                onStep: { report in context.noteStep(report.batch) },
                onEpoch: { summary in
                    context.reportEpoch(
                        summary.epoch, metrics: Self.prefixed(summary.validation, MixRecTrialConfig.validationPrefix),
                        seconds: summary.seconds)
                    context.uploadCheckpoint(epoch: summary.epoch, parameters: trainer.checkpoint())
                    return context.isCancelled ? .stop : .proceed
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

    func allReduceSum(_ values: inout [Float]) throws {
        let started = ContinuousClock.now
        try self.group.sum(&values)
        let elapsed = (ContinuousClock.now - started).components
        self.context.noteAllReduce(
            bytes: values.count * MemoryLayout<Float>.size,
            seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
    }
}
