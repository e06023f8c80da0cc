import ClusterCoreTestKit
import ClusterProto
import Foundation
import Testing
import ZeroMQ

@testable import Cluster

/// A CURVE allow-list reloaded while a study runs (what SIGHUP does): a removed key loses its access at once, and a
/// key re-bound to another worker id its standing as the old one.
@Suite("CURVE key revocation", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityRevocationTests {
    @Test("a revoked key loses its connection: no more Hello, heartbeat or report; the other worker trains on")
    func revokedWorkerIsCutOff() throws {
        let (revoked, kept) = (try CurveKeyPair.generate(), try CurveKeyPair.generate())
        let study = try CurveStudy(
            budget: 3, allowList: "\(revoked.publicKey) worker=w1\n\(kept.publicKey) worker=w2\n")
        defer { study.close() }
        let (store, context, server, coordinator) = (study.store, study.context, study.server, study.coordinator)
        let (w1, first) = try study.startFirstTrial("w1", keys: revoked)
        let w1Connection = try ZMQSocketMonitor(w1.socket, name: "revoked-w1-\(UUID().uuidString)")

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
        try study.reload("\(kept.publicKey) worker=w2\n")

        // What w1 sends before its connection is gone is refused, never acted on (no Ack, no Welcome), and the
        // coordinator closes that connection soon, long before the study could end by itself.
        try w1.result(trial: first.trialID, attempt: 1, ndcg: 0.999)
        let (disconnected, answers) = try Self.answersUntilDisconnected(w1, monitor: w1Connection)
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
        let reconnected = try FakeWorker(
            "w1", context: context, endpoint: coordinator.endpoint, curve: study.client(revoked))
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

    @Test("a key re-bound to another worker id: its old worker loses its standing, the new one registers with it")
    func reboundKeyMovesToItsNewWorker() throws {
        let key = try CurveKeyPair.generate()
        let study = try CurveStudy(budget: 2, allowList: "\(key.publicKey) worker=w1\n")
        defer { study.close() }
        let store = study.store
        let (w1, first) = try study.startFirstTrial("w1", keys: key)
        let w1Connection = try ZMQSocketMonitor(w1.socket, name: "rebound-w1-\(UUID().uuidString)")

        // The operator gives the key to worker w2 (w1's machine is retired, say) and reloads.
        try study.reload("\(key.publicKey) worker=w2\n")

        // A re-bind withdraws the key from w1: w1 is told to stop, and its connection is closed like a revoked key's.
        try w1.result(trial: first.trialID, attempt: 1, ndcg: 0.999)
        let (disconnected, answers) = try Self.answersUntilDisconnected(w1, monitor: w1Connection)
        #expect(disconnected, "the coordinator closed the connection that authenticated as w1")
        #expect(answers.contains { $0.kind == "Shutdown" }, "\(answers.map(\.kind))")
        #expect(answers.allSatisfy { $0.kind == "Error" || $0.kind == "Shutdown" }, "\(answers.map(\.kind))")
        // The key still passes the handshake (w1's DEALER reconnects by itself), but no longer as w1: a report is
        // refused as unregistered, and so is a Hello as w1.
        try w1.heartbeat(busyWith: (first.trialID, first.attempt))
        let unregistered = try #require(try w1.next(timeout: .seconds(5)) { $0.error != nil }?.error)
        #expect(unregistered.code == .notRegistered)
        try w1.hello()
        let refused = try #require(try w1.next(timeout: .seconds(5)) { $0.error != nil || $0.kind == "Welcome" })
        #expect(refused.error?.message == "its CURVE key is bound to worker w2, not w1")

        // w2 registers with the key and completes the study, resuming w1's trial from w1's checkpoint.
        let stop = StopSignal()
        let w2 = CurveWorkerThread.start(
            "w2", keys: key, serverKey: study.server.publicKey, context: study.context,
            endpoint: study.coordinator.endpoint, stop: stop, runner: FakeRunner(epochSeconds: 0.05))
        defer {
            stop.stop()
            _ = w2.wait(timeout: .now() + 10)
        }
        #expect(study.coordinator.finish(timeout: 60))
        let trials = try store.trials()
        #expect(trials.count == 2 && trials.allSatisfy { $0.state == .complete && $0.workers == ["w2"] })
        let rescued = try #require(trials.first { $0.id == TrialID(first.trialID) })
        #expect(rescued.attempt == 2 && rescued.finalMetrics?["valid/ndcg@10"] != 0.999, "w1's result was not taken")
        #expect(rescued.failureReasons.count == 1 && rescued.failureReasons[0].contains("bound to worker w2, not w1"))
        #expect(try store.loadCheckpoint(trial: rescued.id)?.parameters.last == 1, "resumed from w1's epoch 1")
        #expect(try store.workers().first { $0.id == "w1" }?.status == .dead)
        let lost = try store.events().filter { $0.kind == "worker.lost" }
        #expect(lost.count == 1 && lost[0].workerID == "w1" && lost[0].message.contains("CURVE key revoked"))
    }

    /// Receives what `worker` is sent, acknowledging nothing, until `monitor` sees its connection close (at most
    /// 2 s), and then what was still queued.
    /// - Returns: whether the connection closed, and the messages received.
    private static func answersUntilDisconnected(_ worker: FakeWorker, monitor: ZMQSocketMonitor) throws -> (
        Bool, [WireMessage]
    ) {
        worker.acknowledges = false
        var answers: [WireMessage] = []
        var disconnected = false
        let deadline = ContinuousClock.now + .seconds(2)
        while !disconnected && ContinuousClock.now < deadline {
            if let answer = try worker.next(timeout: .milliseconds(50)) { answers.append(answer) }
            while let event = try monitor.next() { disconnected = disconnected || event.kind == .disconnected }
        }
        // What arrived before the connection closed may still wait in the worker's queue.
        while let answer = try worker.next(timeout: .milliseconds(200)) { answers.append(answer) }
        return (disconnected, answers)
    }

    /// Polls `condition` every 20 ms until it holds; fails the test after `timeout`.
    fileprivate static func waitFor(
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

/// A CURVE coordinator (loopback, a study of 2-epoch trials) whose allow-list is a file that ``reload(_:)`` rewrites
/// and rereads, as SIGHUP does.
private struct CurveStudy {
    let directory: StudyDirectory
    let store: StudyStore
    let context: ZMQContext
    let server: CurveKeyPair
    let path: String
    let authenticator: ZAPAuthenticator
    let coordinator: RunningCoordinator

    init(budget: Int, allowList: String) throws {
        self.directory = try StudyDirectory()
        self.store = try StudyStore(directory: self.directory.url)
        self.context = try ZMQContext()
        self.server = try CurveKeyPair.generate()
        self.path = self.directory.url.appendingPathComponent("allow").path
        try allowList.write(toFile: self.path, atomically: true, encoding: .utf8)
        self.authenticator = try ZAPAuthenticator(
            context: self.context, live: LiveAllowList(try CurveKeyFiles.allowList(at: self.path)))
        var settings = CoordinatorSettings.loopback(budget: budget, maxEpochs: 2)
        settings.curve = CurveServerSettings(keys: self.server, allowList: self.authenticator.allowList.current)
        settings.liveAllowList = self.authenticator.allowList
        self.coordinator = try RunningCoordinator(context: self.context, settings: settings, store: self.store)
    }

    func client(_ keys: CurveKeyPair) -> CurveClientSettings {
        CurveClientSettings(keys: keys, serverPublicKey: self.server.publicKey)
    }

    /// Writes `allowList` to the file and reloads it.
    func reload(_ allowList: String) throws {
        try allowList.write(toFile: self.path, atomically: true, encoding: .utf8)
        _ = try CurveAllowListReloader(path: self.path, live: self.authenticator.allowList).reload().get()
    }

    /// A scripted worker `id` with `keys` registers, takes the first trial and has its first epoch's checkpoint
    /// stored.
    func startFirstTrial(_ id: String, keys: CurveKeyPair) throws -> (
        FakeWorker, Mixrec_Cluster_V1_TrialAssignment
    ) {
        let worker = try FakeWorker(
            id, context: self.context, endpoint: self.coordinator.endpoint, curve: self.client(keys))
        try worker.hello()
        let first = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        try worker.heartbeat(busyWith: (first.trialID, first.attempt))
        try worker.checkpoint(trial: first.trialID, attempt: 1, epoch: 1, parameters: WireFixtures.parameters)
        try SecurityRevocationTests.waitFor { try self.store.loadCheckpoint(trial: TrialID(first.trialID)) != nil }
        return (worker, first)
    }

    func close() {
        _ = self.coordinator.finish(timeout: 0)
        self.authenticator.stop()
    }
}
