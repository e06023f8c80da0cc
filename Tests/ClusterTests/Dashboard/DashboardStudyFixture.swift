import Cluster
import Foundation
import Search

/// A small study written through `StudyStore` for the dashboard tests, with hostile strings where users control
/// text (parameter values, worker ids, failure reasons).
struct DashboardStudyFixture {
    static let hostile = "<script>alert(\"x\")</script>&'"

    let directory: StudyDirectory
    let store: StudyStore

    init() throws {
        self.directory = try StudyDirectory()
        self.store = try StudyStore(directory: self.directory.url)
        try self.store.saveStudy(
            StudyRecord(
                name: "dash<b>", configJSON: "{}", seed: 1, budget: 6, state: .running,
                createdAt: Date(timeIntervalSince1970: 1_800_000_000)))
        try self.store.save([
            Self.trial(1, .complete, epochs: [0.10, 0.20, 0.30], final: 0.30),
            Self.trial(2, .complete, epochs: [0.15, 0.25, 0.42], final: 0.42),
            Self.trial(3, .pruned, epochs: [0.05], final: 0.05),
            Self.trial(4, .running, epochs: [0.12, 0.22], final: nil),
            Self.trial(5, .failed, epochs: [], final: nil),
            Self.trial(6, .waiting, epochs: [], final: nil),
        ])
        try self.store.save(
            StoredWorker(
                id: "w\"1\\\n", incarnation: 1, host: "host-a", cores: 2, status: .alive, busy: true,
                lastSeen: Date().addingTimeInterval(-30)))
        try self.store.save(
            StoredWorker(
                id: "w2", incarnation: 2, host: "host-b", cores: 4, status: .dead, busy: false,
                lastSeen: Date().addingTimeInterval(-300)))
        for kind in ["trial.assigned", "trial.assigned", "worker.lost"] {
            try self.store.log(StudyEvent(at: Date(), kind: kind, trialID: 1, message: Self.hostile))
        }
        try self.store.storeCheckpoint(trial: 1, attempt: 1, epoch: 1, parameters: [1, 2, 3, 4])
        try self.store.save(
            WorkerThroughputRecord(
                workerID: "w\"1\\\n", stepsTotal: 1234, stepRate: 7.5, allReduceBytes: 3_000_000,
                allReduceSeconds: 1.25, updatedAt: Date()))
        try self.store.save(
            WorkerThroughputRecord(
                workerID: "w2", stepsTotal: 40, stepRate: nil, allReduceBytes: 0, allReduceSeconds: 0, updatedAt: Date()
            ))
        try self.store.save([
            CoordinatorCounterRecord(name: CoordinatorCounters.received, label: "Heartbeat", value: 321),
            CoordinatorCounterRecord(name: CoordinatorCounters.sent, label: "Error", value: 3),
            CoordinatorCounterRecord(name: CoordinatorCounters.rejected, label: "tooLarge", value: 2),
            CoordinatorCounterRecord(name: CoordinatorCounters.rejected, label: "notRegistered", value: 1),
        ])
    }

    private static func trial(_ id: UInt64, _ state: TrialState, epochs: [Double], final: Double?) -> Trial {
        var trial = Trial(
            id: TrialID(id),
            params: Configuration([
                "experts": .int(Int(id) * 2), "lr": .double(0.001 * Double(id)), "plan": .string(Self.hostile),
            ]),
            origin: .proposed)
        trial.state = state
        trial.attempt = state == .waiting ? 0 : 1
        trial.failedAttempts = state == .failed ? 1 : 0
        trial.workers = state == .waiting ? [] : ["w\"1\\\n"]
        for (index, value) in epochs.enumerated() { trial.intermediate[index + 1] = ["valid/ndcg@10": value] }
        trial.finalMetrics = final.map { ["valid/ndcg@10": $0, "test/ndcg@10": $0 - 0.01] }
        if state == .failed { trial.failureReasons = ["worker lost: " + Self.hostile] }
        return trial
    }
}
