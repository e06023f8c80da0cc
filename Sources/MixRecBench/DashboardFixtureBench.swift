import ArgumentParser
import Cluster
import Foundation
import Randomness
import Search

/// `mixrec-bench dashboard-fixture DIR`: writes a small, plausible study database (its search space, complete,
/// pruned, failed, running and waiting trials with learning curves, workers, checkpoints, events) for the dashboard
/// screenshot.
struct DashboardFixtureBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard-fixture",
        abstract: "Write a small study database to DIR (for scripts/dashboard-screenshot)."
    )

    @Argument(help: "The study directory to create (must not hold a study yet).")
    var directory: String

    @Option(help: "Trials to write.")
    var trials = 12

    @Option(help: "Epochs of a trial that runs to the end.")
    var epochs = 6

    func validate() throws {
        guard self.trials >= 1, self.epochs >= 2 else { throw ValidationError("need --trials >= 1, --epochs >= 2") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: self.directory)
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(StudyStore.databaseFileName).path) {
            throw ValidationError("\(self.directory) already holds a study")
        }
        let store = try StudyStore(directory: url)
        let start = Date().addingTimeInterval(-600)
        try store.saveStudy(
            StudyRecord(
                name: "demo-fixture", configJSON: Self.searchSpaceLines, seed: 7, budget: self.trials + 2,
                state: .running, createdAt: start))
        var random = SplitMix64(seed: 7)
        var trials: [Trial] = []
        for index in 1...self.trials {
            trials.append(try self.trial(index, random: &random, store: store))
        }
        try store.save(trials)
        for trial in trials {
            for epoch in trial.intermediate.keys.sorted() {
                try store.storeCheckpoint(
                    trial: trial.id, attempt: trial.attempt, epoch: epoch, parameters: [UInt8](repeating: 1, count: 64))
            }
        }
        for (index, name) in ["worker-a", "worker-b", "worker-c"].enumerated() {
            try store.save(
                StoredWorker(
                    id: name, incarnation: 1, host: "node\(index + 1)", cores: 2, status: index == 2 ? .dead : .alive,
                    busy: index == 0, lastSeen: Date().addingTimeInterval(-Double(index * 40 + 2))))
            try store.save(
                WorkerThroughputRecord(
                    workerID: name, stepsTotal: Int64(900 - index * 200),
                    stepRate: index == 2 ? nil : 3.2 - Double(index),
                    allReduceBytes: Int64(index) * 12_000_000, allReduceSeconds: Double(index) * 1.4, updatedAt: Date())
            )
        }
        try store.save([
            CoordinatorCounterRecord(name: CoordinatorCounters.received, label: "Heartbeat", value: 2_412),
            CoordinatorCounterRecord(name: CoordinatorCounters.received, label: "Progress", value: 31),
            CoordinatorCounterRecord(name: CoordinatorCounters.sent, label: "TrialAssignment", value: 14),
            CoordinatorCounterRecord(name: CoordinatorCounters.rejected, label: "unexpected", value: 2),
        ])
        print("wrote \(self.trials) trials to \(url.path)")
    }

    /// The study's search file as a coordinator stores it (canonical lines): the space the trials are drawn from.
    private static let searchSpaceLines = [
        "direction = maximize",
        "parameters[0].name = experts", "parameters[0].type = int", "parameters[0].low = 2", "parameters[0].high = 8",
        "parameters[0].log = true",
        "parameters[1].name = learning_rate", "parameters[1].type = float", "parameters[1].low = 1.0e-4",
        "parameters[1].high = 1.0e-2", "parameters[1].log = true",
        "parameters[2].name = routing", "parameters[2].type = categorical", "parameters[2].choices[0] = top1",
        "parameters[2].choices[1] = top2", "parameters[2].choices[2] = dense",
    ].map { "search.space.\($0)" }.sorted().joined(separator: "\n")

    /// Trial `index`: its state follows from its position (the last ones still run or wait).
    private func trial(_ index: Int, random: inout SplitMix64, store: StudyStore) throws -> Trial {
        let experts = [2, 4, 8][Int(random.next() % 3)]
        let learningRate = pow(10, -4 + 2 * random.nextUnit())
        let plan = ["top1", "top2", "dense"][Int(random.next() % 3)]
        let params = Configuration([
            "experts": .int(experts), "learning_rate": .double(learningRate), "routing": .string(plan),
        ])
        var trial = Trial(id: TrialID(UInt64(index)), params: params, origin: index <= 2 ? .enqueued : .proposed)
        let quality =
            0.12 + 0.03 * log2(Double(experts)) - 0.02 * abs(log10(learningRate) + 3) + 0.02 * random.nextUnit()
        let state: TrialState
        switch index {
        case self.trials: state = .waiting
        case self.trials - 1: state = .running
        case _ where index % 5 == 3: state = .pruned
        case _ where index % 7 == 6: state = .failed
        default: state = .complete
        }
        let lastEpoch =
            switch state {
            case .waiting, .failed: 0
            case .running: self.epochs / 2
            case .pruned: 2
            case .complete: self.epochs
            }
        trial.state = state
        trial.attempt = state == .waiting ? 0 : (state == .failed ? 3 : 1)
        trial.failedAttempts = state == .failed ? 3 : 0
        trial.workers = state == .waiting ? [] : [index % 2 == 0 ? "worker-a" : "worker-b"]
        if state == .failed {
            trial.failureReasons = (1...3).map { "attempt \($0): worker-c missed heartbeats for 30 s" }
        }
        for epoch in stride(from: 1, through: lastEpoch, by: 1) {
            let value = quality * (1 - exp(-Double(epoch) / 1.5)) + 0.004 * random.nextUnit()
            trial.intermediate[epoch] = ["valid/ndcg@10": value, "valid/hr@10": value * 1.9]
        }
        trial.checkpointEpoch = lastEpoch > 0 ? lastEpoch : nil
        trial.seconds = Double(lastEpoch) * 12.5
        if state == .complete, let final = trial.intermediate[lastEpoch]?["valid/ndcg@10"] {
            trial.finalMetrics = [
                "valid/ndcg@10": final, "valid/hr@10": final * 1.9, "test/ndcg@10": final * 0.96,
                "test/hr@10": final * 1.85,
            ]
        } else if state == .pruned {
            trial.finalMetrics = trial.intermediate[lastEpoch]
        }
        if state != .waiting {
            try store.log(
                StudyEvent(at: Date(), kind: "trial.assigned", trialID: Int64(index), message: "attempt 1"))
        }
        return trial
    }
}
