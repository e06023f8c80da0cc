import Cluster
import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing
import ZeroMQ

/// The study's shared warm start over loopback: computed once, uploaded, stored in the study directory and shipped
/// with later assignments; a damaged stored copy is computed again; a worker killed while computing loses nothing,
/// and a restarted coordinator ships the stored one.
@Suite struct SharedWarmStartLoopbackTests {
    private func settings(budget: Int, endpoint: String = "tcp://127.0.0.1:*") -> CoordinatorSettings {
        var settings = CoordinatorSettings(budget: budget)
        settings.bindEndpoint = endpoint
        settings.maxEpochs = 2
        settings.tickInterval = .milliseconds(20)
        settings.warmStartNaming = { SeedWarmStarts().warmStart(of: $0) }
        // Workers are lost after 800 ms of silence, busy or idle.
        settings.membership.heartbeatInterval = .milliseconds(50)
        (settings.membership.idleSuspectAfter, settings.membership.idleDeadAfter) = (.milliseconds(400), .seconds(0.8))
        (settings.membership.busySuspectAfter, settings.membership.busyDeadAfter) = (.milliseconds(400), .seconds(0.8))
        return settings
    }

    private func storedFile(_ directory: StudyDirectory, _ name: String) -> [UInt8]? {
        let url = directory.url.appendingPathComponent("warm-starts/\(name).warmstart")
        return FileManager.default.contents(atPath: url.path).map { [UInt8]($0) }
    }

    @Test func twoWorkersComputeTheWarmStartOnceAndShareIt() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(
            context: context, settings: self.settings(budget: 4), store: try StudyStore(directory: directory.url))
        let record = WarmStartRunner.Record()
        let stop = StopSignal()
        let exits = ["w1", "w2"].map {
            startWorkerThread(
                $0, context: context, endpoint: coordinator.endpoint, stop: stop,
                runner: WarmStartRunner(record: record))
        }
        #expect(coordinator.finish(timeout: 30), "the study did not finish")
        stop.stop()
        for exited in exits { _ = exited.wait(timeout: .now() + 5) }

        #expect(record.computed == ["ws-0"], "computed once for the whole study")
        #expect(record.received == Array(repeating: WarmStartRunner.file(of: "ws-0"), count: 3))
        #expect(self.storedFile(directory, "ws-0") == WarmStartRunner.file(of: "ws-0"), "stored as uploaded")
        let trials = try StudyStore.openReadOnly(directory: directory.url).trials()
        #expect(trials.map(\.state) == Array(repeating: .complete, count: 4))
    }

    @Test func aDamagedStoredWarmStartIsDeletedAndComputedAgain() throws {
        let directory = try StudyDirectory()
        let folder = directory.url.appendingPathComponent("warm-starts")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var damaged = WarmStartRunner.file(of: "ws-0")
        damaged[damaged.count / 2] ^= 0x10
        try Data(damaged).write(to: folder.appendingPathComponent("ws-0.warmstart"))
        let context = try ZMQContext()
        let coordinator = try RunningCoordinator(
            context: context, settings: self.settings(budget: 1), store: try StudyStore(directory: directory.url))
        #expect(self.storedFile(directory, "ws-0") == nil, "deleted when the coordinator read the folder")
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        let assignment = try #require(try worker.next(where: { $0.assignment != nil }))
        #expect(assignment.assignment?.warmStart.name == "ws-0")
        #expect(assignment.assignment?.warmStart.byteLength == 0, "the damaged copy is never shipped")
        #expect(assignment.blobs.isEmpty)

        // An upload whose bytes match their CRC but are no warm-start file is refused (and acknowledged).
        try worker.warmStart(trial: 1, attempt: 1, name: "ws-0", file: [1, 2, 3])
        let refusal = try #require(try worker.next(where: { $0.error != nil })?.error)
        #expect(refusal.message.contains("not an intact warm-start file"))
        #expect(self.storedFile(directory, "ws-0") == nil)

        let upload = try worker.warmStart(trial: 1, attempt: 1, name: "ws-0", file: WarmStartRunner.file(of: "ws-0"))
        var acked: UInt64?
        while acked != upload, let ack = try worker.nextAck() { acked = ack }
        #expect(acked == upload)
        #expect(self.storedFile(directory, "ws-0") == WarmStartRunner.file(of: "ws-0"))
        try worker.result(trial: 1, attempt: 1, ndcg: 0.3)
        #expect(try worker.next(where: { $0.kind == "Shutdown" }) != nil)
        #expect(coordinator.finish())
    }

    @Test func aWorkerKilledWhileComputingLosesNothingAndARestartShipsTheStoredWarmStart() throws {
        let directory = try StudyDirectory()
        let context = try ZMQContext()
        let first = try RunningCoordinator(
            context: context, settings: self.settings(budget: 2), store: try StudyStore(directory: directory.url))
        let doomed = try FakeWorker("w1", context: context, endpoint: first.endpoint)
        try doomed.hello()
        let computing = try #require(try doomed.next(where: { $0.assignment != nil })?.assignment)
        #expect(computing.trialID == 1 && computing.warmStart.name == "ws-0" && computing.warmStart.byteLength == 0)

        // w2 joins while w1 computes: trial 2 needs the same warm start and waits. Then w1 dies without a word.
        let survivor = try FakeWorker("w2", context: context, endpoint: first.endpoint)
        try survivor.hello()
        let taken = try #require(
            try survivor.next(heartbeatEvery: .milliseconds(50), where: { $0.assignment != nil })?.assignment)
        #expect(taken.trialID == 1 && taken.attempt == 2, "trial 1 moves to w2 once w1 is declared dead")
        #expect(taken.warmStart.byteLength == 0, "nobody holds it yet: w2 computes it")
        let upload = try survivor.warmStart(
            trial: 1, attempt: 2, name: "ws-0", file: WarmStartRunner.file(of: "ws-0"))
        #expect(try survivor.nextAck() == upload, "acknowledged once stored")
        first.stop.stop()
        #expect(first.finish(timeout: 5))
        #expect(self.storedFile(directory, "ws-0") == WarmStartRunner.file(of: "ws-0"))

        // A coordinator restarted on the study directory ships the stored warm start: it is not computed again.
        let restarted = try RunningCoordinator.restarted(
            context: context, settings: self.settings(budget: 2, endpoint: first.endpoint), directory: directory.url)
        let second = try #require(restarted)
        let fresh = try FakeWorker("w3", context: context, endpoint: second.endpoint)
        try fresh.hello()
        var assignments: [WireMessage] = []
        while let message = try fresh.next(where: { $0.assignment != nil }) {
            assignments.append(message)
            let run = try #require(message.assignment)
            try fresh.result(trial: run.trialID, attempt: run.attempt, ndcg: 0.3)
            if assignments.count == 2 { break }
        }
        #expect(assignments.map { $0.assignment?.trialID } == [1, 2])
        for message in assignments {
            #expect(message.assignment?.warmStart.byteLength == UInt64(WarmStartRunner.file(of: "ws-0").count))
            #expect(message.blobs == [WarmStartRunner.file(of: "ws-0")])
        }
        #expect(second.finish())
    }
}
