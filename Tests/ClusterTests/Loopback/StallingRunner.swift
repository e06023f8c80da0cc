import Cluster
import Foundation

/// Trains one epoch (report + checkpoint like `FakeRunner`), then stalls until the run is cancelled, as a worker
/// that dies mid-trial would (bounded: gives up after 30 s).
struct StallingRunner: TrialRunner {
    func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
        context.reportEpoch(1, metrics: ["valid/ndcg@10": 0.01], seconds: 1)
        context.uploadCheckpoint(epoch: 1, parameters: [UInt8(truncatingIfNeeded: job.trial.rawValue), 1, 0])
        let deadline = ContinuousClock.now + .seconds(30)
        while !context.isCancelled && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        return .cancelled
    }
}
