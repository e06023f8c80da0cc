import Cluster
import ClusterProto
import Foundation
import Testing
import ZeroMQ

/// The coordinator sends every trial's stored seed and replicates the best configuration at the end.
@Suite struct CoordinatorSeedTests {
    @Test func trialsShareTheStudySeedAndTheBestConfigurationRunsAgainWithTheNextSeed() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings(budget: 2)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        settings.tickInterval = .milliseconds(20)
        settings.seed = 5
        settings.scheduler.seeding.seedsPerConfiguration = 2
        settings.scheduler.seeding.reseedBest = 1
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)

        try worker.hello()
        #expect(try worker.next()?.kind == "Welcome")
        let first = try #require(try worker.next()?.assignment)
        #expect(first.trialID == 1 && first.seed == 5)
        try worker.result(trial: 1, attempt: 1, ndcg: 0.4)
        let second = try #require(try worker.next()?.assignment)
        #expect(second.trialID == 2 && second.seed == 5)
        try worker.result(trial: 2, attempt: 1, ndcg: 0.3)
        let replicate = try #require(try worker.next()?.assignment)
        #expect(replicate.trialID == 3 && replicate.seed == 6 && replicate.configJson == first.configJson)
        try worker.result(trial: 3, attempt: 1, ndcg: 0.35)
        #expect(try worker.next()?.kind == "Shutdown")
        #expect(coordinator.finish())
        #expect(coordinator.failure == nil)

        let trials = try store.trials()
        #expect(trials.map(\.seed) == [5, 5, 6])
        #expect(trials.map(\.origin) == [.proposed, .proposed, .replicate])
        #expect(try store.study()?.state == .finished)
    }
}
