import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing
import ZeroMQ

/// `mixrec coordinator` and `mixrec worker` as real processes on 127.0.0.1 (random free ports, bounded waits).
@Suite(
    .serialized,
    .enabled(if: MixRecBinary.available, "needs .build/debug/mixrec: run `swift build --product mixrec` first"))
struct ProcessSearchTests {
    @Test func aSearchOfSixTrialsWithThreeWorkersCompletes() throws {
        let study = try LocalStudy(budget: 6, epochs: 2)
        let coordinator = try study.startCoordinator()
        for id in ["w1", "w2", "w3"] { try study.startWorker(id, epochSeconds: 0.05) }

        #expect(coordinator.exitStatus(within: 60) == 0, "\(coordinator.output)")
        let status = try #require(study.status())
        #expect(status.study?.state == .finished)
        #expect(status.trials.map(\.id) == [1, 2, 3, 4, 5, 6])
        #expect(status.trials.allSatisfy { $0.state == .complete && $0.attempt == 1 && $0.epoch == 2 })
        #expect(Set(status.trials.flatMap(\.workers)).count > 1, "the trials were spread over the workers")
        #expect(Set(status.trials.map(\.params)).count == 6)
        for (id, worker) in study.workers {
            #expect(worker.exitStatus(within: 10) == 0, "worker \(id) ends on Shutdown")
        }
        let table = try MixRecProcess(
            ["status", "--study-dir", study.directory.url.path], log: study.log("status"))
        #expect(table.exitStatus(within: 10) == 0)
        let best = try #require(status.best)
        #expect(table.output.contains("study process-test: FINISHED, 6 of 6 trials done"), "\(table.output)")
        #expect(table.output.contains("best: trial \(best.id) "), "\(table.output)")
        #expect(table.output.split(separator: "\n").filter { $0.contains("COMPLETE") }.count == 6)
    }

    @Test func aKilledBusyWorkersTrialCompletesElsewhereFromItsLastCheckpoint() throws {
        let study = try LocalStudy(budget: 1, epochs: 6)
        let coordinator = try study.startCoordinator()
        try study.startWorker("doomed", epochSeconds: 0.4)
        #expect(study.wait(seconds: 20) { $0.trials.first?.epoch ?? 0 >= 2 })
        try study.startWorker("rescuer", epochSeconds: 0.4)
        #expect(study.wait(seconds: 10) { $0.workers.contains { $0.id == "rescuer" } })
        let killed = Date()
        study.workers["doomed"]?.kill()

        #expect(coordinator.exitStatus(within: 30) == 0, "\(coordinator.output)")
        let trial = try #require(study.status()?.trials.first)
        #expect(trial.state == .complete && trial.attempt == 2 && trial.epoch == 6)
        #expect(trial.workers.contains("rescuer"))
        let retry = try #require(
            try study.events().first { $0.kind == "trial.assigned" && $0.message.hasPrefix("attempt 2") })
        let resumedEpoch = retry.message.split(separator: " ").last.flatMap { Int($0) }
        #expect(retry.message.contains("[rescuer] from epoch"), "\(retry.message)")
        #expect((resumedEpoch ?? 0) >= 2, "resumed from a checkpoint, not from scratch: \(retry.message)")
        print("worker death → trial reassigned: \(retry.at.timeIntervalSince(killed)) s (busy_dead_ms 800)")
    }

    @Test func aKilledCoordinatorRestartsAndCompletesTheBudgetWithNothingLostOrDuplicated() throws {
        let study = try LocalStudy(budget: 4, epochs: 3)
        let first = try study.startCoordinator(log: "coordinator-1")
        for id in ["w1", "w2"] { try study.startWorker(id, epochSeconds: 0.25) }
        #expect(
            study.wait(seconds: 30) { status in
                status.trials.contains { $0.state == .complete } && status.trials.contains { $0.state == .running }
            })
        let before = try #require(study.status())
        first.kill()

        let second = try study.startCoordinator(log: "coordinator-2")
        #expect(second.exitStatus(within: 60) == 0, "\(second.output)")
        let after = try #require(study.status())
        #expect(after.trials.map(\.id) == [1, 2, 3, 4])
        #expect(after.trials.allSatisfy { $0.state == .complete })
        #expect(Set(after.trials.map(\.params)).count == 4)
        for done in before.trials where done.state == .complete {
            #expect(after.trials.first { $0.id == done.id }?.metrics == done.metrics, "trial \(done.id) kept")
        }
        #expect(after.study?.state == .finished)
    }

    @Test func badMessagesFromARawDealerAreAnsweredWithErrorsWhileTheSearchGoesOn() throws {
        let study = try LocalStudy(budget: 3, epochs: 2)
        let coordinator = try study.startCoordinator()
        try study.startWorker("w1", epochSeconds: 0.2)
        #expect(study.wait(seconds: 20) { $0.trials.contains { $0.state == .running } })
        let context = try ZMQContext()
        let raw = try FakeWorker("raw", context: context, endpoint: study.endpoint)

        try raw.sendRaw([[0xFF, 0xFF, 0xFF]])
        #expect(try raw.next()?.error?.code == .malformed)
        var hello = WireMessage(sequence: 1, body: .hello(WireFixtures.hello()))
        var truncated = try hello.frames()
        truncated[0] = Array(truncated[0].prefix(truncated[0].count / 2))
        try raw.sendRaw(truncated)
        #expect(try raw.next()?.error?.code == .malformed)
        hello.envelope.protocolVersion = 99
        try raw.sendRaw(try hello.frames())
        #expect(try raw.next()?.error?.code == .versionMismatch)
        var oversized = WireFixtures.checkpointMessage()
        oversized.blobs.append([1, 2, 3])
        try raw.sendRaw(try oversized.frames())
        #expect(try raw.next()?.error?.code == .tooLarge)

        #expect(coordinator.exitStatus(within: 30) == 0, "\(coordinator.output)")
        #expect(study.status()?.trials.map(\.state) == [.complete, .complete, .complete])
    }

    @Test func aRestartWithAChangedSearchSpaceIsRefusedWithADiff() throws {
        let study = try LocalStudy(budget: 2, epochs: 1)
        let first = try study.startCoordinator(log: "coordinator-1")
        #expect(study.wait(seconds: 20) { $0.study?.state == .running })
        first.terminate()
        #expect(first.exitStatus(within: 10) == 0, "SIGTERM stops the coordinator cleanly: \(first.output)")

        try study.writeSpace(xHigh: 12)
        let second = try study.startCoordinator(log: "coordinator-2")
        let status = second.exitStatus(within: 20)
        #expect(status != nil && status != 0)
        #expect(second.output.contains("refusing these changes"), "\(second.output)")
        #expect(second.output.contains("search.space.parameters[0].high: \(10.0) → \(12.0)"), "\(second.output)")
        #expect(study.status()?.trials.isEmpty == true)
    }

    @Test func aSecondCoordinatorOnTheSameStudyDirectoryIsRefusedWithTheFirstsPIDWhileTheFirstGoesOn() throws {
        let study = try LocalStudy(budget: 2, epochs: 2)
        let first = try study.startCoordinator(log: "coordinator-1")
        #expect(study.wait(seconds: 20) { $0.study?.state == .running })

        let second = try study.startCoordinator(log: "coordinator-2")
        let status = second.exitStatus(within: 20)
        #expect(status != nil && status != 0)
        let directory = study.directory.url.path
        let lockFile = study.directory.url.appendingPathComponent("coordinator.lock").path
        #expect(
            second.output.contains(
                "study directory \(directory) is in use by coordinator PID \(first.process.processIdentifier) "
                    + "(\(lockFile)); stop it first"), "\(second.output)")

        try study.startWorker("w1", epochSeconds: 0.05)
        #expect(first.exitStatus(within: 60) == 0, "\(first.output)")
        #expect(study.status()?.trials.map(\.state) == [.complete, .complete])
    }
}
