import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing
import ZeroMQ

@testable import Cluster

/// A CURVE allow-list reloaded while a study runs (what SIGHUP does): a removed key loses its access at once.
@Suite("CURVE key revocation", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityRevocationTests {
    @Test("a worker whose key is revoked can no longer register or report; its trial resumes elsewhere")
    func revokedWorkerIsLost() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let (server, revoked, kept) = (
            try CurveKeyPair.generate(), try CurveKeyPair.generate(), try CurveKeyPair.generate()
        )
        let path = directory.url.appendingPathComponent("allow").path
        try "\(revoked.publicKey) worker=w1\n\(kept.publicKey) worker=w2\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let authenticator = try ZAPAuthenticator(
            context: context, live: LiveAllowList(try CurveKeyFiles.allowList(at: path)))
        defer { authenticator.stop() }
        var settings = CoordinatorSettings.loopback(budget: 2, maxEpochs: 2)
        settings.curve = CurveServerSettings(keys: server, allowList: authenticator.allowList.current)
        settings.liveAllowList = authenticator.allowList
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        defer { _ = coordinator.finish(timeout: 0) }
        let curve = CurveClientSettings(keys: revoked, serverPublicKey: server.publicKey)

        // w1 registers, takes the first trial and checkpoints its first epoch.
        let w1 = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint, curve: curve)
        try w1.hello()
        let first = try #require(try w1.next(where: { $0.assignment != nil })?.assignment)
        try w1.heartbeat(busyWith: (first.trialID, first.attempt))
        try w1.checkpoint(trial: first.trialID, attempt: 1, epoch: 1, parameters: WireFixtures.parameters)
        let deadline = ContinuousClock.now + .seconds(10)
        while try store.loadCheckpoint(trial: TrialID(first.trialID)) == nil && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }

        // The operator removes w1's key and reloads.
        try "\(kept.publicKey) worker=w2\n".write(toFile: path, atomically: true, encoding: .utf8)
        _ = try CurveAllowListReloader(path: path, live: authenticator.allowList).reload().get()

        // Its result is refused, and it is told to stop.
        try w1.result(trial: first.trialID, attempt: 1, ndcg: 0.999)
        var answers: [WireMessage] = []
        while answers.count < 2, let answer = try w1.next(timeout: .seconds(5), where: { _ in true }) {
            answers.append(answer)
        }
        let shutdown = try #require(answers.first { $0.kind == "Shutdown" })
        if case .shutdown(let body)? = shutdown.envelope.body {
            #expect(body.reason == "access revoked: its CURVE key is not on the allow-list")
        }
        let refused = try #require(answers.first { $0.kind == "Error" }?.error)
        #expect(refused.message == "its CURVE key \(revoked.publicKey) is not on the allow-list")
        // Registering again fails on the open connection, and a new connection is refused by the ZAP handler.
        try w1.hello()
        #expect(try w1.next(where: { $0.kind == "Welcome" || $0.kind == "Error" })?.kind == "Error")
        let reconnected = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint, curve: curve)
        try reconnected.hello()
        #expect(try reconnected.next(timeout: .seconds(1)) == nil, "no handshake, so no answer at all")

        // The study completes on w2, which resumes w1's trial from its checkpoint.
        let stop = StopSignal()
        let w2 = CurveWorkerThread.start(
            "w2", keys: kept, serverKey: server.publicKey, context: context, endpoint: coordinator.endpoint,
            stop: stop)
        #expect(coordinator.finish(timeout: 60))
        stop.stop()
        _ = w2.wait(timeout: .now() + 10)
        let trials = try store.trials()
        #expect(trials.count == 2 && trials.allSatisfy { $0.state == .complete })
        let rescued = try #require(trials.first { $0.id == TrialID(first.trialID) })
        #expect(rescued.attempt == 2 && rescued.finalMetrics?["valid/ndcg@10"] != 0.999, "w1's result was not taken")
        #expect(rescued.failureReasons.count == 1 && rescued.failureReasons[0].contains("CURVE key revoked"))
        // FakeRunner's last checkpoint names the epoch its run resumed from: 1, w1's.
        #expect(try store.loadCheckpoint(trial: rescued.id)?.parameters.last == 1)
        #expect(try store.workers().first { $0.id == "w1" }?.status == .dead)
        let lost = try store.events().filter { $0.kind == "worker.lost" && $0.workerID == "w1" }
        #expect(lost.count == 1 && lost[0].message.contains("CURVE key revoked"))
    }
}
