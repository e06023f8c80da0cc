import Foundation

/// Everything one page needs, read from the study database in one go.
struct DashboardSnapshot {
    let status: StudyStatus
    /// Configurations that completed with more than one seed, best mean first.
    let seedSummaries: [SeedSummary]
    /// Every trial in id order, with its per-epoch metrics.
    let trials: [Trial]
    /// The metric that ranks trials.
    let objective: String
    let maximize: Bool
    /// Each worker's step rate and all-reduce totals, by worker id.
    let throughput: [String: WorkerThroughputRecord]
    /// The coordinator's message counters, by name then label.
    let counters: [CoordinatorCounterRecord]
    /// When the snapshot was read (heartbeat ages are relative to it).
    let now: Date
    /// The study's configuration as stored (canonical `path = value` lines; empty without a study).
    let configText: String

    /// Reads `store` (a read-only store works while the coordinator writes).
    static func load(from store: StudyStore, objective: String, maximize: Bool, now: Date = Date())
        throws(StudyStoreError) -> DashboardSnapshot
    {
        let status = try StudyStatus.load(from: store, objective: objective, maximize: maximize)
        return DashboardSnapshot(
            status: status,
            seedSummaries: SeedSummary.summaries(of: status.trials, objective: objective, maximize: maximize),
            trials: try store.trials(), objective: objective, maximize: maximize,
            throughput: Dictionary(try store.workerThroughput().map { ($0.workerID, $0) }, uniquingKeysWith: { $1 }),
            counters: try store.coordinatorCounters(), now: now, configText: try store.study()?.configJSON ?? "")
    }

    /// Whether the coordinator may still be changing the study (pages refresh themselves then).
    var isLive: Bool { self.status.study?.state != .finished && self.status.study?.state != .stopped }

    /// A trial's objective for the plots: its final value, else the best over its epochs; nil if none yet.
    func objectiveValue(of trial: Trial) -> Double? {
        if let value = trial.finalMetrics?[self.objective] { return value }
        let values = trial.curve(of: self.objective).values
        return self.maximize ? values.max() : values.min()
    }

    /// Whether `a` is a better objective value than `b`.
    func isBetter(_ a: Double, than b: Double) -> Bool {
        self.maximize ? a > b : a < b
    }
}
