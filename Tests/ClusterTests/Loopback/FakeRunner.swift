import Cluster
import Foundation
import Search

/// "Trains" instantly (or for `epochSeconds` an epoch): each epoch reports a metric derived from the config's `x` and uploads a checkpoint whose
/// bytes encode the trial, epoch and the epoch it resumed from, so tests can check where a run started. Before an
/// epoch it reports the rungs (`rungs`, fractions of the run) that fall in it, at `x/100 + fraction/1000`.
struct FakeRunner: TrialRunner {
    var rungs: [Double] = []
    /// Wall-clock time each epoch takes (0: none), so a study lasts long enough to be interrupted.
    var epochSeconds = 0.0
    /// A trial whose first run, once it has uploaded its last checkpoint, waits until cancelled and reports nothing,
    /// like a worker killed between its final checkpoint and its result.
    var stallsAfterLastCheckpoint: TrialID?

    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard case .int(let x) = job.configuration["x"] else { throw TrialRunError("no x in config", retryable: false) }
        let first = (job.resume?.epoch ?? 0) + 1
        // Resumed from the last epoch's checkpoint: nothing left to train, only the final evaluation.
        guard first <= job.maxEpochs else { return Self.finalOutcome(x: x, maxEpochs: job.maxEpochs) }
        for epoch in first...job.maxEpochs {
            for (index, fraction) in self.rungs.enumerated()
            where Int((fraction * Double(job.maxEpochs)).rounded(.up)) == epoch {
                if context.isCancelled { return .cancelled }
                context.reportRung(
                    index + 1, fraction: fraction, epoch: epoch,
                    metrics: ["valid/ndcg@10": Double(x) / 100 + fraction / 1000], seconds: 0)
            }
            if self.epochSeconds > 0 { Thread.sleep(forTimeInterval: self.epochSeconds) }
            if context.isCancelled { return .cancelled }
            context.noteStep(1)
            let ndcg = Double(x) / 100 + Double(epoch) / 1000
            context.reportEpoch(epoch, metrics: ["valid/ndcg@10": ndcg], seconds: Double(epoch))
            let bytes = [UInt8(truncatingIfNeeded: job.trial.rawValue), UInt8(epoch), UInt8(first - 1)]
            context.uploadCheckpoint(epoch: epoch, parameters: bytes)
            if epoch == job.maxEpochs, job.attempt == 1, job.trial == self.stallsAfterLastCheckpoint {
                while !context.isCancelled { Thread.sleep(forTimeInterval: 0.01) }
                return .cancelled
            }
        }
        return Self.finalOutcome(x: x, maxEpochs: job.maxEpochs)
    }

    /// The result after the last epoch: `x/100 + maxEpochs/1000` as the validation metric, half of it as the test one.
    private static func finalOutcome(x: Int, maxEpochs: Int) -> TrialOutcome {
        let ndcg = Double(x) / 100 + Double(maxEpochs) / 1000
        return .finished(["valid/ndcg@10": ndcg, "test/ndcg@10": ndcg / 2], epochs: maxEpochs)
    }
}
