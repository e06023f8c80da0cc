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

    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        guard case .int(let x) = job.configuration["x"] else { throw TrialRunError("no x in config", retryable: false) }
        let first = (job.resume?.epoch ?? 0) + 1
        guard first <= job.maxEpochs else { throw TrialRunError("nothing left to train", retryable: false) }
        var ndcg = 0.0
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
            ndcg = Double(x) / 100 + Double(epoch) / 1000
            context.reportEpoch(epoch, metrics: ["valid/ndcg@10": ndcg], seconds: Double(epoch))
            let bytes = [UInt8(truncatingIfNeeded: job.trial.rawValue), UInt8(epoch), UInt8(first - 1)]
            context.uploadCheckpoint(epoch: epoch, parameters: bytes)
        }
        return .finished(["valid/ndcg@10": ndcg, "test/ndcg@10": ndcg / 2], epochs: job.maxEpochs)
    }
}
