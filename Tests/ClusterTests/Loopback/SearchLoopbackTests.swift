import Cluster
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Real coordinator and worker shells on tcp://127.0.0.1, each on its own thread.
@Suite struct SearchLoopbackTests {
    /// Starts a worker shell on its own thread; the returned semaphore is signalled when it exits.
    private func startWorker(_ id: String, context: ZMQContext, endpoint: String, stop: StopSignal)
        -> DispatchSemaphore
    {
        let exited = DispatchSemaphore(value: 0)
        Thread {
            var settings = WorkerSettings(coordinatorEndpoint: endpoint, workerID: id)
            settings.heartbeatInterval = .milliseconds(50)
            if let worker = try? WorkerService(context: context, settings: settings, runner: FakeRunner()) {
                try? worker.run(until: stop)
            }
            exited.signal()
        }.start()
        return exited
    }

    @Test func threeWorkersCompleteASixTrialSearchAndShutDown() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings(budget: 6)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        settings.maxEpochs = 3
        settings.tickInterval = .milliseconds(20)
        settings.membership.heartbeatInterval = .milliseconds(50)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let stop = StopSignal()
        let workers = ["w1", "w2", "w3"].map {
            self.startWorker($0, context: context, endpoint: coordinator.endpoint, stop: stop)
        }

        let finished = coordinator.finish(timeout: 60)
        let workersExited = workers.map { $0.wait(timeout: .now() + 10) == .success }
        stop.stop()
        #expect(finished)
        #expect(coordinator.failure == nil)
        #expect(workersExited == [true, true, true])

        let trials = try store.trials()
        #expect(trials.count == 6)
        #expect(trials.allSatisfy { $0.state == .complete && $0.attempt == 1 })
        #expect(trials.allSatisfy { $0.intermediate.keys.sorted() == [1, 2, 3] })
        #expect(Set(trials.flatMap(\.workers)).isSubset(of: ["w1", "w2", "w3"]))
        for trial in trials {
            let x = Double(trial.id.rawValue)
            #expect(trial.finalMetrics?["valid/ndcg@10"] == x / 100 + 0.003)
            #expect(try store.loadCheckpoint(trial: trial.id)?.parameters == [UInt8(trial.id.rawValue), 3, 0])
        }
        #expect(try store.study()?.state == .finished)
    }
}
