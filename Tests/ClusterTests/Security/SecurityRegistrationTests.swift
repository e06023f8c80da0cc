import ClusterProto
import Foundation
import Testing
import ZeroMQ

@testable import Cluster

@Suite("CURVE registration", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityRegistrationTests {
    @Test("a search over CURVE runs only on allow-listed workers; one with an unknown key never registers")
    func unknownWorkerCannotRegister() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        let (server, trusted, stranger) = (
            try CurveKeyPair.generate(), try CurveKeyPair.generate(), try CurveKeyPair.generate()
        )
        let allowList: CurveAllowList = [trusted.publicKey]
        let authenticator = try ZAPAuthenticator(context: context, allowList: allowList)
        defer { authenticator.stop() }
        var settings = CoordinatorSettings(budget: 3)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        settings.tickInterval = .milliseconds(20)
        settings.membership.heartbeatInterval = .milliseconds(50)
        settings.curve = CurveServerSettings(keys: server, allowList: allowList)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let stop = StopSignal()
        let intruder = CurveWorkerThread.start(
            "intruder", keys: stranger, serverKey: server.publicKey, context: context,
            endpoint: coordinator.endpoint, stop: stop)
        Thread.sleep(forTimeInterval: 0.3)  // the intruder gets a head start and still cannot join
        let worker = CurveWorkerThread.start(
            "trusted", keys: trusted, serverKey: server.publicKey, context: context,
            endpoint: coordinator.endpoint, stop: stop)
        let finished = coordinator.finish(timeout: 60)
        _ = worker.wait(timeout: .now() + 10)
        stop.stop()
        _ = intruder.wait(timeout: .now() + 10)
        #expect(finished)
        let trials = try store.trials()
        #expect(trials.count == 3 && trials.allSatisfy { $0.state == .complete })
        #expect(Set(trials.flatMap(\.workers)) == ["trusted"])
        #expect(try store.workers().map(\.id) == ["trusted"])
        #expect(authenticator.refusedCount >= 1)
    }

    @Test("a key the allow-list binds to one worker id cannot register as another; an unbound key registers as any")
    func keyBindsWorkerID() throws {
        let server = try CurveKeyPair.generate()
        let (bound, unbound) = (try CurveKeyPair.generate(), try CurveKeyPair.generate())
        let allowList = CurveAllowList(keys: [unbound.publicKey], workerIDs: [bound.publicKey: "w1"])
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 1)
        settings.curve = CurveServerSettings(keys: server, allowList: allowList)
        let context = try ZMQContext()
        let authenticator = try ZAPAuthenticator(context: context, allowList: allowList)
        defer { authenticator.stop() }
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        defer { _ = coordinator.finish(timeout: 0) }
        /// What the coordinator answers a Hello from `id` with `keys`.
        func register(_ id: String, keys: CurveKeyPair) throws -> WireMessage? {
            let worker = try FakeWorker(
                id, context: context, endpoint: coordinator.endpoint,
                curve: CurveClientSettings(keys: keys, serverPublicKey: server.publicKey))
            try worker.hello()
            return try worker.next { $0.kind == "Welcome" || $0.kind == "Error" }
        }

        let impostor = try #require(try register("w2", keys: bound)?.error)
        #expect(impostor.code == .outOfRange && impostor.message == "its CURVE key is bound to worker w1, not w2")
        #expect(try register("w1", keys: bound)?.kind == "Welcome")
        #expect(try register("anyone", keys: unbound)?.kind == "Welcome")
    }
}
