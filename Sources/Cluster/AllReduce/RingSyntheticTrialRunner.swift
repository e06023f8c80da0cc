import Foundation
import Search
import Tensor

/// Synthetic data-parallel training that drives the real ring all-reduce: what `mixrec worker` trains for synthetic
/// studies on groups of two or more, and what the ring's fail-over tests train.
///
/// Every step each rank draws pseudo-random gradients for a flat parameter vector of `parameterCount` floats
/// (seeded by trial seed, epoch, step and rank, see `gradient`), `DataParallelGradients` averages them over the
/// group, and every rank takes the same plain SGD step; replicas are compared every `verifyEvery` steps. After
/// each epoch rank 0 reports `valid/loss` (half the mean squared parameter) and uploads the parameters as the
/// checkpoint. SGD has no other state, so a run resumed from a checkpoint on another group of the same size ends
/// with exactly the parameters of an uninterrupted run. With `reportsScore`, epoch `e` also reports
/// `valid/score` = value + 2^−e of the synthetic task's function at the trial's configuration (as
/// `SyntheticTrialRunner` without noise), so searches over synthetic objectives can run on data-parallel groups.
public struct RingSyntheticTrialRunner: TrialRunner {
    /// The metric reported every epoch (and as `test/loss` with the result).
    public static let metric = "valid/loss"
    /// How this worker opens its groups.
    public var links: PeerLinks
    /// Floats all-reduced per step.
    public var parameterCount: Int
    public var stepsPerEpoch: Int
    public var learningRate: Float = 0.1
    /// Sleep before every step (lets failure tests catch a run mid-epoch).
    public var stepSeconds = 0.0
    /// Steps between replica checks.
    public var verifyEvery = 4
    /// Whether the synthetic task's value is reported beside the loss.
    public var reportsScore = false

    public init(links: PeerLinks, parameterCount: Int = 4096, stepsPerEpoch: Int = 5) {
        self.links = links
        self.parameterCount = parameterCount
        self.stepsPerEpoch = stepsPerEpoch
    }

    public func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        let epochs = try job.epochsToTrain()
        let score: Double? = try self.reportsScore ? Self.score(of: job) : nil
        let parameter = Tensor(
            try self.startingParameters(job.resume), shape: [self.parameterCount], requiresGrad: true)
        let gradients = DataParallelGradients(
            group: try self.links.group(for: job, run: context), parameters: [parameter])
        // After a checkpoint of the last epoch no epoch runs: its metrics are reported straight away.
        for epoch in epochs {
            let started = ContinuousClock.now
            for step in 0..<self.stepsPerEpoch {
                if context.isCancelled { return .cancelled }
                if self.stepSeconds > 0 { Thread.sleep(forTimeInterval: self.stepSeconds) }
                let local = Self.gradient(
                    seed: job.seed, epoch: epoch, step: step, rank: job.rank, count: self.parameterCount)
                parameter.backward(gradient: Tensor(local, shape: [self.parameterCount]))
                try gradients.averageSummedGradients(localCount: 1)
                self.descend(parameter)
                context.noteStep(step + 1)
                let trained = (epoch - 1) * self.stepsPerEpoch + step + 1
                if trained % self.verifyEvery == 0 { try gradients.verifyReplicas(step: trained) }
            }
            context.reportEpoch(
                epoch, metrics: Self.metrics(of: parameter, score: score, epoch: epoch),
                seconds: (ContinuousClock.now - started).seconds)
            context.uploadCheckpoint(epoch: epoch, parameters: Self.bytes(of: parameter))
        }
        var metrics = Self.metrics(of: parameter, score: score, epoch: job.maxEpochs)
        metrics["test/loss"] = metrics[Self.metric]
        metrics["test/score"] = score
        return .finished(metrics, epochs: job.maxEpochs)
    }

    // MARK: - The synthetic problem

    /// The synthetic task's function value at the trial's configuration.
    static func score(of job: TrialJob) throws -> Double {
        guard case .synthetic(let function) = job.task else {
            throw TrialRunError("a synthetic runner cannot train a \(job.task.kind) trial", retryable: false)
        }
        return try function.evaluate(job.configuration)
    }

    /// Rank `rank`'s gradient in step `step` of epoch `epoch`: `count` standard normal values.
    public static func gradient(seed: UInt64, epoch: Int, step: Int, rank: Int, count: Int) -> [Float] {
        var generator = RandomGenerator(seed: seed).split(UInt64(epoch) << 40 | UInt64(step) << 20 | UInt64(rank))
        return (0..<count).map { _ in generator.nextNormal() }
    }

    /// What epoch `epoch` reports: the loss of `parameter`, and the synthetic task's `score` plus 2^−epoch.
    private static func metrics(of parameter: Tensor, score: Double?, epoch: Int) -> Metrics {
        var metrics = [Self.metric: Self.loss(parameter)]
        metrics[SyntheticTrialRunner.metric] = score.map { $0 + pow(0.5, Double(epoch)) }
        return metrics
    }

    /// Half the mean squared parameter.
    static func loss(_ parameter: Tensor) -> Double {
        parameter.withUnsafeBufferPointer { values in
            values.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(1, 2 * values.count))
        }
    }

    /// `parameter −= learningRate · grad`, then drops the gradient.
    private func descend(_ parameter: Tensor) {
        guard let grad = parameter.grad else { return }
        grad.withUnsafeBufferPointer { grad in
            parameter.withUnsafeMutableBufferPointer { values in
                for index in values.indices { values[index] -= self.learningRate * grad[index] }
            }
        }
        parameter.zeroGrad()
    }

    /// Zeros for a new run, or the checkpoint's parameters (raw little-endian Float32).
    private func startingParameters(_ resume: ResumePoint?) throws -> [Float] {
        guard let resume else { return [Float](repeating: 0, count: self.parameterCount) }
        guard resume.parameters.count == 4 * self.parameterCount else {
            throw TrialRunError(
                "checkpoint of \(resume.parameters.count) bytes for \(self.parameterCount) parameters", retryable: false
            )
        }
        return resume.parameters.withUnsafeBytes { raw in
            (0..<self.parameterCount).map { index in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
            }
        }
    }

    /// The parameters as raw little-endian Float32.
    static func bytes(of parameter: Tensor) -> [UInt8] {
        parameter.withUnsafeBufferPointer { values in
            [UInt8](unsafeUninitializedCapacity: 4 * values.count) { bytes, initialized in
                let raw = UnsafeMutableRawBufferPointer(bytes)
                for (index, value) in values.enumerated() {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * index, as: UInt32.self)
                }
                initialized = 4 * values.count
            }
        }
    }
}
