import Foundation
import Search
import Synchronization

/// What the search learnt: each searched parameter's importance in a stored study (see `ParameterImportance` for
/// the method), from the objective values of its complete trials, seeded by the study's seed so that a report
/// of the same trials always says the same.
public enum StudyImportance {
    /// Reads the study in `store` and analyses its complete trials' `objective`.
    /// - Throws: `StudyStoreError` if the database cannot be read.
    public static func analyse(
        from store: StudyStore, objective: String = "valid/ndcg@10", maximize: Bool = true
    ) throws(StudyStoreError) -> ImportanceAnalysis {
        self.analyse(try DashboardSnapshot.load(from: store, objective: objective, maximize: maximize))
    }

    /// The analysis of a snapshot's complete trials, over the search space stored with the study.
    static func analyse(_ snapshot: DashboardSnapshot) -> ImportanceAnalysis {
        let inputs = Inputs(
            configText: snapshot.configText, seed: UInt64(bitPattern: snapshot.status.study?.seed ?? 0),
            observations: snapshot.trials.filter { $0.state == .complete }.compactMap { trial in
                snapshot.objectiveValue(of: trial).map { Observation(configuration: trial.params, value: $0) }
            })
        if let cached = Self.last.withLock({ $0 }), cached.inputs == inputs { return cached.analysis }
        let analysis = Self.analyse(inputs)
        Self.last.withLock { $0 = (inputs, analysis) }
        return analysis
    }

    /// What an analysis depends on.
    private struct Inputs: Hashable {
        var configText: String
        var seed: UInt64
        var observations: [Observation]
    }

    /// The latest analysis with its inputs: the live page asks every 5 s, but the answer changes only when a trial
    /// completes (a GP fit over hundreds of trials takes a noticeable part of a second).
    private static let last = Mutex<(inputs: Inputs, analysis: ImportanceAnalysis)?>(nil)

    private static func analyse(_ inputs: Inputs) -> ImportanceAnalysis {
        let search: SearchConfig?
        do {
            search = try StudyConfig.searchConfig(inCanonicalText: inputs.configText)
        } catch {
            return Self.unavailable(inputs.observations, "the study's stored search file cannot be read: \(error)")
        }
        guard let search else { return Self.unavailable(inputs.observations, "the study stores no search space") }
        var settings = ParameterImportance.Settings()
        settings.fit = search.optimizer
        return ParameterImportance(space: search.space, settings: settings).analyse(
            inputs.observations, seed: inputs.seed)
    }

    private static func unavailable(_ observations: [Observation], _ reason: String) -> ImportanceAnalysis {
        ImportanceAnalysis(observationsUsed: 0, observationsSkipped: observations.count, outcome: .unavailable(reason))
    }
}
