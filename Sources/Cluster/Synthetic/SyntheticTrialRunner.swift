import Foundation
import Search
import Tensor

/// Trains nothing: each epoch it waits `epochSeconds`, then reports a noisy value converging to the Search test
/// function's value at the trial's configuration (`TrialTask.synthetic`), and uploads a checkpoint of its small
/// state (epoch, value as Float32).
///
/// The functions are minimised, so epoch `e` reports `value + gap · 2^-e + noise · 2^-e · N(0, 1)`, seeded by the
/// trial's seed and the epoch: a resumed run reports exactly what an uninterrupted one would have.
public struct SyntheticTrialRunner: TrialRunner {
    /// The validation metric reported every epoch; `test/score` is reported with the final result.
    public static let metric = "valid/score"
    /// Standard deviation of the noise on the first epoch's value (halving every epoch).
    public var noise: Double
    /// Wall-clock time per epoch (lets kill tests catch a trial mid-run).
    public var epochSeconds: Double
    /// Distance of the first epochs from the final value.
    public var gap = 1.0

    public init(noise: Double, epochSeconds: Double) {
        self.noise = noise
        self.epochSeconds = epochSeconds
    }

    public func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard case .synthetic(let function) = job.task else {
            throw TrialRunError("a synthetic runner cannot train a \(job.task.kind) trial", retryable: false)
        }
        let score = try function.evaluate(job.configuration)
        try Self.verify(job.resume)
        // After a checkpoint of the last epoch no epoch runs: the result is reported straight away.
        for epoch in try job.epochsToTrain() {
            if !self.wait(context) { return .cancelled }
            let value = self.value(epoch: epoch, score: score, seed: job.seed)
            context.reportEpoch(epoch, metrics: [Self.metric: value], seconds: self.epochSeconds)
            context.uploadCheckpoint(epoch: epoch, parameters: Self.state(epoch: epoch, value: value))
        }
        let last = self.value(epoch: job.maxEpochs, score: score, seed: job.seed)
        return .finished([Self.metric: last, "test/score": score], epochs: job.maxEpochs)
    }

    /// What epoch `epoch` reports for a function value of `score`, the same in every run of a trial with `seed`.
    private func value(epoch: Int, score: Double, seed: UInt64) -> Double {
        var random = RandomGenerator(seed: seed).split(UInt64(epoch))
        let shrink = pow(0.5, Double(epoch))
        return score + self.gap * shrink + self.noise * shrink * Double(random.nextNormal())
    }

    /// Simulated optimizer steps per epoch (noted on the context, so heartbeats carry a step rate).
    public static let stepsPerEpoch = 10

    /// Sleeps one epoch as `stepsPerEpoch` steps in short slices; false once the run is cancelled.
    private func wait(_ context: TrialRunContext) -> Bool {
        let start = Date()
        var step = 0
        while step < Self.stepsPerEpoch {
            if context.isCancelled { return false }
            let due = start.addingTimeInterval(self.epochSeconds * Double(step + 1) / Double(Self.stepsPerEpoch))
            if Date() >= due {
                step += 1
                context.noteStep(step)
            } else {
                Thread.sleep(forTimeInterval: min(0.02, max(0, due.timeIntervalSinceNow)))
            }
        }
        return !context.isCancelled
    }

    /// The checkpoint: two little-endian Float32 values, the epoch and the value it reported.
    static func state(epoch: Int, value: Double) -> [UInt8] {
        [Float(epoch), Float(value)].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    /// Checks that a checkpoint holds the state of the epoch it was sent as.
    static func verify(_ resume: ResumePoint?) throws {
        guard let resume else { return }
        guard resume.parameters.count == 8 else {
            throw TrialRunError("a synthetic checkpoint has 8 bytes, got \(resume.parameters.count)", retryable: false)
        }
        let bits = resume.parameters[0..<4].enumerated().reduce(UInt32(0)) {
            $0 | UInt32($1.element) << ($1.offset * 8)
        }
        guard Int(Float(bitPattern: bits)) == resume.epoch else {
            throw TrialRunError(
                "checkpoint of epoch \(Float(bitPattern: bits)) sent as \(resume.epoch)", retryable: false)
        }
    }
}
