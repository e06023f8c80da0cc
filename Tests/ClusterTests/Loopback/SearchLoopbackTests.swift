import Cluster
import ClusterCoreTestKit
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Real coordinator and worker shells on tcp://127.0.0.1, each on its own thread.
@Suite struct SearchLoopbackTests {
    /// Hangs in a trial's first run (`StallingRunner`: an epoch, then no step until cancelled) and takes `stopping`
    /// seconds more to return once cancelled, as a stuck training thread that heartbeats go on around; trains later
    /// runs like `FakeRunner`.
    struct HangOnceRunner: TrialRunner {
        var stopping: TimeInterval

        func run(_ job: TrialJob, context: TrialRunContext) throws -> TrialOutcome {
            guard job.attempt == 1 else { return try FakeRunner().run(job, context: context) }
            let outcome = try StallingRunner().run(job, context: context)
            Thread.sleep(forTimeInterval: self.stopping)
            return outcome
        }
    }

    /// Runs a search of `budget` trials on three worker shells whose runs report `rungs` (pruned there when there
    /// are any).
    /// - Returns: the stored trials and each one's newest checkpoint.
    private func search(
        budget: Int, pruner: some TrialPruner & Sendable = NoPruning(), rungs: [Double] = []
    ) throws -> (trials: [Trial], checkpoints: [TrialID: [UInt8]]) {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: budget, maxEpochs: 3)
        settings.scheduler.prunesAtRungs = !rungs.isEmpty
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store, pruner: pruner)
        let stop = StopSignal()
        let workers = ["w1", "w2", "w3"].map {
            startWorkerThread(
                $0, context: context, endpoint: coordinator.endpoint, stop: stop, runner: FakeRunner(rungs: rungs))
        }

        let finished = coordinator.finish(timeout: 60)
        let workersExited = workers.map { $0.wait(timeout: .now() + 10) == .success }
        stop.stop()
        #expect(finished)
        #expect(coordinator.failure == nil)
        #expect(workersExited == [true, true, true])
        #expect(try store.study()?.state == .finished)
        let trials = try store.trials()
        var checkpoints: [TrialID: [UInt8]] = [:]
        for trial in trials { checkpoints[trial.id] = try store.loadCheckpoint(trial: trial.id)?.parameters }
        return (trials, checkpoints)
    }

    @Test func threeWorkersCompleteASixTrialSearchAndShutDown() throws {
        let (trials, checkpoints) = try self.search(budget: 6)
        #expect(trials.count == 6)
        #expect(trials.allSatisfy { $0.state == .complete && $0.attempt == 1 })
        #expect(trials.allSatisfy { $0.intermediate.keys.sorted() == [1, 2, 3] })
        #expect(Set(trials.flatMap(\.workers)).isSubset(of: ["w1", "w2", "w3"]))
        for trial in trials {
            let x = Double(trial.id.rawValue)
            #expect(trial.finalMetrics?["valid/ndcg@10"] == x / 100 + 0.003)
            #expect(checkpoints[trial.id] == [UInt8(trial.id.rawValue), 3, 0])
        }
    }

    @Test func prunedTrialsStopAtTheirFirstBadEpochAndCountTowardTheBudget() throws {
        // Epoch-1 objective of trial x is x/100 + 0.001: trials 1–3 fall below 0.035 and are pruned.
        let trials = try self.search(budget: 6, pruner: ThresholdPruner(threshold: 0.035)).trials
        #expect(trials.map(\.state) == [.pruned, .pruned, .pruned, .complete, .complete, .complete])
        #expect(
            trials.prefix(3).allSatisfy { $0.finalMetrics?["valid/ndcg@10"] == $0.intermediate[1]?["valid/ndcg@10"] })
    }

    @Test func trialsPrunedAtARungStopThereKeepTheRungsValueAndCountTowardTheBudget() throws {
        // Rung 1 sits at a tenth of a trial, inside epoch 1, at x/100 + 0.0001: trials 1–3 fall below 0.035.
        let trials = try self.search(budget: 6, pruner: ThresholdPruner(threshold: 0.035), rungs: [0.1]).trials
        #expect(trials.map(\.state) == [.pruned, .pruned, .pruned, .complete, .complete, .complete])
        for trial in trials.prefix(3) {
            let rungValue = Double(trial.id.rawValue) / 100 + 0.0001
            #expect(trial.finalMetrics == ["valid/ndcg@10": rungValue])
            #expect(trial.rungCurve(of: "valid/ndcg@10") == [1: rungValue])
            #expect(trial.curve(of: "valid/ndcg@10").isEmpty, "no epoch of a trial pruned at the rung is recorded")
            #expect(trial.fidelity(epochs: 3) == 0.1)
        }
        #expect(
            trials.suffix(3).allSatisfy { $0.intermediate.keys.sorted() == [1, 2, 3] && $0.fidelity(epochs: 3) == 1 })
    }

    @Test func aWorkerThatDiesMidTrialIsReplacedAndTheTrialResumesFromItsCheckpoint() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 3)
        settings.membership.busySuspectAfter = .milliseconds(300)
        settings.membership.busyDeadAfter = .milliseconds(600)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)

        let doomedStop = StopSignal()
        let doomed = startWorkerThread(
            "doomed", context: context, endpoint: coordinator.endpoint, stop: doomedStop, runner: StallingRunner())
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        let deadline = ContinuousClock.now + .seconds(20)
        while try reader.checkpoints(trial: 1).isEmpty && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        try #require(try reader.checkpoints(trial: 1).map(\.epoch) == [1])
        doomedStop.stop()  // its heartbeats stop; its stalled run is abandoned
        #expect(doomed.wait(timeout: .now() + 10) == .success)

        let rescuerStop = StopSignal()
        let rescuer = startWorkerThread("rescuer", context: context, endpoint: coordinator.endpoint, stop: rescuerStop)
        #expect(coordinator.finish(timeout: 30))
        #expect(rescuer.wait(timeout: .now() + 10) == .success)
        rescuerStop.stop()

        let trial = try #require(try store.trials().first)
        #expect(trial.state == .complete)
        #expect(trial.attempt == 2)
        #expect(trial.workers == ["rescuer"])
        #expect(trial.failureReasons.count == 1)
        // FakeRunner writes the epoch it resumed from into its checkpoints: 1, not 0.
        #expect(try store.loadCheckpoint(trial: 1)?.parameters == [1, 3, 1])
    }

    @Test func aRunThatHangsWithLiveHeartbeatsIsCancelledOnceAtTheTrialDeadlineAndResumes() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 3)
        settings.scheduler.trialDeadline = .seconds(1)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let stop = StopSignal()
        let worker = startWorkerThread(
            "w1", context: context, endpoint: coordinator.endpoint, stop: stop, runner: HangOnceRunner(stopping: 0.5))
        #expect(coordinator.finish(timeout: 30))
        #expect(worker.wait(timeout: .now() + 10) == .success)
        stop.stop()

        let trial = try #require(try store.trials().first)
        #expect(trial.state == .complete && trial.attempt == 2)
        #expect(trial.failureReasons == ["attempt 1: no progress for 1 s (heartbeat.trial_deadline)"])
        #expect(try store.loadCheckpoint(trial: 1)?.parameters == [1, 3, 1], "resumed from epoch 1")
        // The worker went on heartbeating the cancelled run for 0.5 s (about ten heartbeats): one cancel all the same.
        #expect(try store.events().filter { $0.kind == "trial.cancelled" }.count == 1)
    }
}
