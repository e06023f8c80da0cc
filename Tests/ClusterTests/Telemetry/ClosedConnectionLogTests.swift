import Cluster
import Foundation
import Logging
import Testing
import ZeroMQ

/// A reconnect storm is counted whole but logged at most once per `closedConnectionLogInterval`.
@Suite("Closed-connection log")
struct ClosedConnectionLogTests {
    @Test("every closed connection is counted; within the interval only the first is logged")
    func aStormOfClosedConnectionsIsLoggedOnce() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 2)
        settings.closedConnectionLogInterval = .seconds(600)
        let log = CapturedLog()
        let coordinator = try RunningCoordinator(
            context: context, settings: settings, store: store, logger: log.logger)
        defer { _ = coordinator.finish(timeout: 0) }
        // Five peers connect (each answered, so the connection exists) and go away.
        for index in 1...5 {
            let peer = try FakeWorker("storm-\(index)", context: context, endpoint: coordinator.endpoint)
            try peer.heartbeat()
            #expect(try peer.next(where: { $0.kind == "Error" }) != nil, "not registered: answered with an Error")
            peer.socket.close()
        }
        // The counters reach the study database within a second (the telemetry flush).
        let closed = {
            try store.coordinatorCounters().first {
                $0.name == CoordinatorCounters.connections && $0.label == "closed"
            }?.value ?? 0
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while try closed() < 5 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        _ = coordinator.finish(timeout: 0)
        #expect(try closed() == 5, "all counted")
        let lines = log.texts(at: .notice).filter { $0.contains("a peer's connection closed") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("not_logged=0") == true)
    }
}
