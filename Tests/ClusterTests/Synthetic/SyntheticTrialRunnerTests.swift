import ClusterProto
import Search
import Testing

@testable import Cluster

@Suite struct SyntheticTrialRunnerTests {
    private let runner = SyntheticTrialRunner(noise: 0.3, epochSeconds: 0)

    /// A 3-epoch Branin trial, resumed from `resume` if given.
    private func job(resume: ResumePoint? = nil) -> TrialJob {
        TrialJob(
            trial: 1, attempt: 1, group: 1, rank: 0, worldSize: 1, peers: [], task: .synthetic(.branin),
            configuration: Configuration(["x1": .double(1), "x2": .double(2)]), maxEpochs: 3, seed: 7, resume: resume)
    }

    /// The run's outcome and the messages it posted.
    private func run(_ job: TrialJob) throws -> (outcome: TrialOutcome, posted: [WorkerOutgoing]) {
        let outbox = WorkerOutbox()
        let outcome = try self.runner.run(job, context: TrialRunContext(job: job, outbox: outbox))
        return (outcome, outbox.drain())
    }

    @Test func aRunResumedFromItsLastEpochsCheckpointReportsTheWholeRunsResultWithoutAnEpoch() throws {
        let whole = try self.run(self.job())
        let checkpoints = whole.posted.compactMap { outgoing -> (epoch: UInt32, bytes: [UInt8])? in
            guard case .message(.checkpoint(let upload), let blobs) = outgoing else { return nil }
            return (upload.blob.epoch, blobs[0])
        }
        #expect(checkpoints.map(\.epoch) == [1, 2, 3])
        let last = try #require(checkpoints.last?.bytes)

        let resumed = try self.run(self.job(resume: ResumePoint(epoch: 3, parameters: last)))
        #expect(resumed.outcome == whole.outcome)
        #expect(resumed.posted.isEmpty, "no epoch ran: nothing was reported or uploaded")
        let past = ResumePoint(epoch: 4, parameters: SyntheticTrialRunner.state(epoch: 4, value: 0))
        #expect(throws: TrialRunError("checkpoint of epoch 4 is past max_epochs 3", retryable: false)) {
            try self.run(self.job(resume: past))
        }
    }
}
