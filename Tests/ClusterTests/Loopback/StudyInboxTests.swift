import Cluster
import ClusterProto
import Foundation
import Search
import Testing
import ZeroMQ

/// Operator requests reach a running coordinator through the study inbox.
@Suite struct StudyInboxTests {
    @Test func enqueueCancelAndStopRequestsAreCarriedOutInOrder() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let inbox = StudyInbox(studyDirectory: directory.url)
        let manual = Configuration(["x": .string("manual")])
        try inbox.submit(.enqueue(manual))
        try FileManager.default.createDirectory(at: inbox.folder, withIntermediateDirectories: true)
        try Data("not a request".utf8).write(to: inbox.folder.appendingPathComponent("0-garbage.json"))

        let context = try ZMQContext()
        var settings = CoordinatorSettings(budget: 3)
        settings.bindEndpoint = "tcp://127.0.0.1:*"
        settings.tickInterval = .milliseconds(20)
        let coordinator = try RunningCoordinator(context: context, settings: settings, store: store)
        let worker = try FakeWorker("w1", context: context, endpoint: coordinator.endpoint)
        try worker.hello()
        let first = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        #expect(first.configJson == manual.canonicalJSON)

        try inbox.submit(.cancel(trial: first.trialID, reason: "operator changed their mind"))
        let cancel = try #require(try worker.next(where: { $0.kind == "CancelTrial" }))
        guard case .cancel(let body) = cancel.envelope.body else { return }
        #expect(body.trialID == first.trialID && body.reason == .cancelled)
        let next = try #require(try worker.next(where: { $0.assignment != nil })?.assignment)
        #expect(next.trialID == 2)

        try inbox.submit(.stop)
        #expect(coordinator.finish(timeout: 10))
        #expect(inbox.pending().isEmpty)
        #expect(try store.study()?.state == .stopped)
        let trials = try store.trials()
        #expect(trials.first?.state == .failed)
        #expect(trials.first?.failureReasons == ["cancelled: operator changed their mind"])
        #expect(trials.first?.origin == .enqueued)
    }

    @Test func anEnqueueRequestCarriesItsSeedsAndOneWithoutThemStillReads() throws {
        let directory = try StudyDirectory()
        let inbox = StudyInbox(studyDirectory: directory.url)
        let manual = Configuration(["x": .int(3)])
        try inbox.submit(.enqueue(manual, seeds: 4), now: Date(timeIntervalSince1970: 1))
        // A request written before `--seeds` existed has no seeds key.
        let older = #"{"enqueue":{"_0":"# + CanonicalJSON.encode(manual) + "}}"
        try Data(older.utf8).write(to: inbox.folder.appendingPathComponent("999999999999999-older.json"))
        let requests = inbox.pending().map { try? $0.request.get() }
        #expect(requests == [.enqueue(manual, seeds: 4), .enqueue(manual, seeds: nil)])
    }

    @Test func linksAndOversizedFilesAreRefusedNotRead() throws {
        let directory = try StudyDirectory()
        let inbox = StudyInbox(studyDirectory: directory.url)
        try inbox.submit(.stop, now: Date(timeIntervalSince1970: 5))
        // A link to a valid request elsewhere, and a file of valid JSON padded past the limit.
        let elsewhere = directory.url.appendingPathComponent("elsewhere.json")
        try Data(CanonicalJSON.encode(StudyRequest.stop).utf8).write(to: elsewhere)
        try FileManager.default.createSymbolicLink(
            at: inbox.folder.appendingPathComponent("000000000000001-link.json"), withDestinationURL: elsewhere)
        let padded = CanonicalJSON.encode(StudyRequest.stop) + String(repeating: " ", count: 70_000)
        try Data(padded.utf8).write(to: inbox.folder.appendingPathComponent("000000000000002-large.json"))
        let outcomes = inbox.pending().map { entry in
            switch entry.request {
            case .success(let request): "\(request)"
            case .failure(let error): error.reason
            }
        }
        try #require(outcomes.count == 3)
        #expect(outcomes[0].hasPrefix("cannot be opened as a file"))
        #expect(outcomes[1] == "larger than 65536 bytes")
        #expect(outcomes[2] == "stop")
    }
}
