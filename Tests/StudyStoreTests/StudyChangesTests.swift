import ClusterCore
import ClusterCoreTestKit
import Foundation
import GRDB
import Search
import TestKit
import Testing

@testable import StudyStore

/// `StudyStore.commit`: one state transition's writes land together or not at all.
@Suite struct StudyChangesTests {
    @Test func aTransitionThatFailsHalfwayLeavesNothingAndTheSameTransitionLaterWritesEverything() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        try store.saveStudy(
            StudyRecord(name: "s", configJSON: "{}", seed: 1, budget: 4, state: .running, createdAt: Date()))
        // The writer connection refuses one kind of event, after the trial, worker and checkpoint rows went in.
        try store.database.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER refuse BEFORE INSERT ON event WHEN NEW.kind = 'refused'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
        }
        var trial = Trial(id: 1, params: Search.Configuration(["x": .int(1)]), origin: .proposed, seed: 2)
        trial.state = .complete
        trial.attempt = 1
        trial.intermediate = [1: ["valid/ndcg@10": 0.5]]
        trial.finalMetrics = ["valid/ndcg@10": 0.5]
        var changes = StudyChanges()
        changes.trials = [trial]
        changes.workers = [
            StoredWorker(id: "w1", incarnation: 1, host: "h", cores: 1, status: .alive, busy: false, lastSeen: Date())
        ]
        changes.checkpoints = [
            try store.writeCheckpointFile(trial: 1, attempt: 1, epoch: 1, parameters: [1, 2, 3])
        ]
        changes.studyState = .finished
        changes.events = [
            StudyEvent(at: Date(), kind: "trial.complete", trialID: 1, message: "first"),
            StudyEvent(at: Date(), kind: "refused", message: "second"),
        ]

        #expect {
            try store.commit(changes)
        } throws: { error in
            guard case .database(let operation, let message) = error as? StudyStoreError else { return false }
            return operation == "commit a state transition" && message.contains("refused by the test")
        }
        #expect(try store.trials().isEmpty)
        #expect(try store.workers().isEmpty)
        #expect(try store.checkpoints(trial: 1).isEmpty)
        #expect(try store.events().isEmpty)
        #expect(try store.study()?.state == .running)

        changes.events[1].kind = "accepted"
        let events = try store.commit(changes)
        #expect(events.allSatisfy { $0.id != nil })
        #expect(try store.trials() == [trial])
        #expect(try store.workers().map(\.id) == ["w1"])
        #expect(try store.loadCheckpoint(trial: 1)?.parameters == [1, 2, 3])
        #expect(try store.events().map(\.kind) == ["trial.complete", "accepted"])
        #expect(try store.study()?.state == .finished)
    }
}
