import Foundation
import Search

/// What `mixrec status --json` prints: one object, stable for scripts.
///
/// ```
/// {"study": {"name", "state", "seed", "configHash", "budget", "createdAt"},
///  "budget": N,
///  "trials": [{"id", "state": "WAITING|RUNNING|COMPLETE|PRUNED|FAILED", "origin": "ENQUEUED|PROPOSED|REPLICATE",
///              "seed", "attempt", "params": {…}, "metrics": {…}, "epoch", "fidelity", "bestValidation",
///              "workers": […], "failureReasons": […]}, …],
///  "best": {"id", "params", "metrics"} or null,
///  "workers": [{"id", "status": "ALIVE|SUSPECT|DEAD", "busy", "host", "cores", "incarnation", "lastSeen"}]}
/// ```
/// `metrics` are a trial's final metrics when it has them, else its newest epoch's; `bestValidation` is the best
/// objective over its epochs; `fidelity` is the share of a full trial it trained (``Trial/fidelity(epochs:)``: 1
/// when COMPLETE, a rung's fraction when pruned there; absent before any report); `best` is the COMPLETE trial with
/// the best final objective among the budget's (ENQUEUED or PROPOSED: a replicate's other seed says nothing about
/// its parameters; ``SeedSummary`` compares configurations over seeds). Dates are ISO 8601.
public struct StudyStatus: Codable, Equatable, Sendable {
    public struct Study: Codable, Equatable, Sendable {
        public var name: String
        public var state: StudyState
        public var seed: Int64
        public var configHash: String
        public var budget: Int
        public var createdAt: Date
    }

    public struct TrialLine: Codable, Equatable, Sendable {
        public var id: UInt64
        public var state: TrialState
        /// Proposed, enqueued, or another seed of a configuration (a replicate).
        public var origin: TrialOrigin
        /// The seed it trains with.
        public var seed: UInt64
        public var attempt: Int
        public var params: Configuration
        public var metrics: Metrics
        public var epoch: Int
        /// The share of a full trial it trained.
        public var fidelity: Double? = nil
        public var bestValidation: Double?
        public var workers: [String]
        public var failureReasons: [String]
    }

    public struct Best: Codable, Equatable, Sendable {
        public var id: UInt64
        public var params: Configuration
        public var metrics: Metrics
    }

    public var study: Study?
    public var budget: Int
    public var trials: [TrialLine]
    public var best: Best?
    public var workers: [StoredWorker]

    /// Reads a study (a read-only store works while the coordinator writes).
    /// - Parameters:
    ///   - objective: the metric that ranks trials, e.g. `"valid/ndcg@10"`.
    ///   - maximize: whether larger objective values are better.
    /// - Throws: `StudyStoreError` if the database cannot be read.
    public static func load(
        from store: StudyStore, objective: String = "valid/ndcg@10", maximize: Bool = true
    ) throws(StudyStoreError) -> StudyStatus {
        let better: (Double, Double) -> Bool = maximize ? { $0 > $1 } : { $0 < $1 }
        let record = try store.study()
        let trials = try store.trials()
        let epochs = record.map { StudyConfig.epochs(inCanonicalText: $0.configJSON) } ?? StudyConfig.defaultEpochs
        let lines = trials.map { trial in
            let newest = trial.intermediate.keys.max()
            let curve = trial.curve(of: objective).values
            return TrialLine(
                id: trial.id.rawValue, state: trial.state, origin: trial.origin, seed: trial.seed,
                attempt: trial.attempt, params: trial.params,
                metrics: trial.finalMetrics ?? newest.flatMap { trial.intermediate[$0] } ?? [:], epoch: newest ?? 0,
                fidelity: trial.fidelity(epochs: epochs),
                bestValidation: curve.reduce(nil) { best, value in best.map { better(value, $0) ? value : $0 } ?? value
                },
                workers: trial.workers.map(\.rawValue), failureReasons: trial.failureReasons)
        }
        var best: Best?
        // Replicates repeat a configuration with another seed: better luck there is no better configuration.
        for trial in trials where trial.state == .complete && trial.origin != .replicate {
            guard let metrics = trial.finalMetrics, let value = metrics[objective] else { continue }
            if let current = best, let currentValue = current.metrics[objective], !better(value, currentValue) {
                continue
            }
            best = Best(id: trial.id.rawValue, params: trial.params, metrics: metrics)
        }
        let study = record.map {
            Study(
                name: $0.name, state: $0.state, seed: $0.seed, configHash: $0.configHash, budget: $0.budget,
                createdAt: $0.createdAt)
        }
        return StudyStatus(
            study: study, budget: record?.budget ?? 0, trials: lines, best: best, workers: try store.workers())
    }

    /// The documented JSON object (sorted keys, ISO 8601 dates, `null` for a missing best trial).
    public func json() -> String {
        CanonicalJSON.encode(self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.study, forKey: .study)
        try container.encode(self.budget, forKey: .budget)
        try container.encode(self.trials, forKey: .trials)
        try container.encode(self.best, forKey: .best)
        try container.encode(self.workers, forKey: .workers)
    }
}
