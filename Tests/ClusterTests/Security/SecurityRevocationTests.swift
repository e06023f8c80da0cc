import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing
import ZeroMQ

@testable import Cluster

/// A CURVE allow-list reloaded while a study runs (what SIGHUP does): a removed key loses its access at once.
@Suite("CURVE key revocation", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityRevocationTests {
    @Test("a revoked key loses its connection: no more Hello, heartbeat or report; the other worker trains on")
    func revokedWorkerIsCutOff() throws {
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
        var settings = CoordinatorSettings.loopback(budget: 3, maxEpochs: 2)
        settings.curve = CurveServerSettings(keys: server, allowList: authenticator.allowList.current)
        settings.liveAllowList = authenticator.allowList
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        defer { _ = coordinator.finish(timeout: 0) }
        let curve = CurveClientSettings(keys: revoked, serverPublicKey: server.publicKey)

        // w1 registers, takes the first trial and checkpoints its first epoch.
        let w1 = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint, curve: curve)
        let w1Connection = try ZMQSocketMonitor(w1.socket, name: "revoked-w1-\(UUID().uuidString)")
        try w1.hello()
        let first = try #require(try w1.next(where: { $0.assignment != nil })?.assignment)
        try w1.heartbeat(busyWith: (first.trialID, first.attempt))
        try w1.checkpoint(trial: first.trialID, attempt: 1, epoch: 1, parameters: WireFixtures.parameters)
        try Self.waitFor { try store.loadCheckpoint(trial: TrialID(first.trialID)) != nil }

        // w2, a real worker, registers and trains the second trial (one second an epoch).
        let stop = StopSignal()
        let w2 = CurveWorkerThread.start(
            "w2", keys: kept, serverKey: server.publicKey, context: context, endpoint: coordinator.endpoint,
            stop: stop, runner: FakeRunner(epochSeconds: 1))
        defer {
            stop.stop()
            _ = w2.wait(timeout: .now() + 10)
        }
        let second = TrialID(first.trialID + 1)
        try Self.waitFor { try store.trials().first { $0.id == second }?.workers == ["w2"] }

        // The operator removes w1's key and reloads, while both trials run.
        try "\(kept.publicKey) worker=w2\n".write(toFile: path, atomically: true, encoding: .utf8)
        _ = try CurveAllowListReloader(path: path, live: authenticator.allowList).reload().get()

        // What w1 sends before its connection is gone is refused, never acted on (no Ack, no Welcome), and the
        // coordinator closes that connection soon, long before the study could end by itself.
        try w1.result(trial: first.trialID, attempt: 1, ndcg: 0.999)
        w1.acknowledges = false
        var answers: [WireMessage] = []
        var disconnected = false
        let deadline = ContinuousClock.now + .seconds(2)
        while !disconnected && ContinuousClock.now < deadline {
            if let answer = try w1.next(timeout: .milliseconds(50)) { answers.append(answer) }
            while let event = try w1Connection.next() { disconnected = disconnected || event.kind == .disconnected }
        }
        // What arrived before the connection closed may still wait in w1's queue.
        while let answer = try w1.next(timeout: .milliseconds(200)) { answers.append(answer) }
        #expect(disconnected, "the coordinator closed the revoked key's connection")
        #expect(coordinator.outcome.exited.wait(timeout: .now()) == .timedOut, "by revoking it, not by exiting")
        #expect(answers.allSatisfy { $0.kind == "Error" || $0.kind == "Shutdown" }, "\(answers.map(\.kind))")
        // A new handshake with its key is refused by the ZAP handler: nothing it sends reaches the coordinator any
        // more.
        // (A DEALER without a connection may block on send: bound it, an unsent message is as good as refused.)
        try w1.socket.setSendTimeout(milliseconds: 200)
        try w1.hello()
        try w1.heartbeat(busyWith: (first.trialID, first.attempt))
        try w1.result(trial: first.trialID, attempt: 1, ndcg: 0.999)
        #expect(try w1.next(timeout: .seconds(2)) == nil, "no connection, so no answer at all")
        let reconnected = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint, curve: curve)
        try reconnected.socket.setSendTimeout(milliseconds: 200)
        try reconnected.hello()
        #expect(try reconnected.next(timeout: .seconds(1)) == nil, "no handshake, so no answer at all")

        // The study completes on w2, which finishes its own trial in its first attempt, resumes w1's from its
        // checkpoint and trains the third.
        #expect(coordinator.finish(timeout: 60))
        let trials = try store.trials()
        #expect(trials.count == 3 && trials.allSatisfy { $0.state == .complete })
        let rescued = try #require(trials.first { $0.id == TrialID(first.trialID) })
        #expect(rescued.attempt == 2 && rescued.finalMetrics?["valid/ndcg@10"] != 0.999, "w1's result was not taken")
        #expect(rescued.failureReasons.count == 1 && rescued.failureReasons[0].contains("CURVE key revoked"))
        // FakeRunner's last checkpoint names the epoch its run resumed from: 1, w1's.
        #expect(try store.loadCheckpoint(trial: rescued.id)?.parameters.last == 1)
        let undisturbed = try #require(trials.first { $0.id == second })
        #expect(undisturbed.attempt == 1 && undisturbed.failureReasons.isEmpty && undisturbed.workers == ["w2"])
        #expect(try store.workers().first { $0.id == "w1" }?.status == .dead)
        let lost = try store.events().filter { $0.kind == "worker.lost" }
        #expect(lost.count == 1 && lost[0].workerID == "w1" && lost[0].message.contains("CURVE key revoked"))
    }

    /// Polls `condition` every 20 ms until it holds; fails the test after `timeout`.
    private static func waitFor(
        timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () throws -> Bool
    ) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("still not so after \(timeout)", sourceLocation: sourceLocation)
    }
}
