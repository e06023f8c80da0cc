import Foundation
import Search
import Synchronization

/// What the search learnt: each searched parameter's importance in a stored study (see `ParameterImportance` for
/// the method), from the objective values of its budget trials at one fidelity (``ImportanceBasis``), seeded by the
/// study's seed so that a report of the same trials always says the same.
public enum StudyImportance {
    /// An analysis and the values it read.
    public struct Finding: Hashable, Sendable {
        public var analysis: ImportanceAnalysis
        /// The values in words: `8 complete trials`, `16 trials at rung 1 (0.1111 of a full trial)`.
        public var basis: String
    }

    /// Reads the study in `store` and analyses its trials' `objective`.
    /// - Throws: `StudyStoreError` if the database cannot be read.
    public static func analyse(
        from store: StudyStore, objective: String = "valid/ndcg@10", maximize: Bool = true
    ) throws(StudyStoreError) -> Finding {
        self.analyse(try DashboardSnapshot.load(from: store, objective: objective, maximize: maximize))
    }

    /// The analysis of a snapshot's trials, over the search space stored with the study.
    static func analyse(_ snapshot: DashboardSnapshot) -> Finding {
        let search: SearchConfig?
        do {
            search = try StudyConfig.searchConfig(inCanonicalText: snapshot.configText)
        } catch {
            return Self.unavailable("the study's stored search file cannot be read: \(error)")
        }
        guard let search else { return Self.unavailable("the study stores no search space") }
        var settings = ParameterImportance.Settings()
        settings.fit = search.optimizer
        let importance = ParameterImportance(space: search.space, settings: settings)
        let basis = ImportanceBasis.choose(
            snapshot.trials, objective: snapshot.objective, needed: importance.minimumObservations)
        let inputs = Inputs(
            configText: snapshot.configText, seed: UInt64(bitPattern: snapshot.status.study?.seed ?? 0),
            observations: basis.observations)
        if let cached = Self.last.withLock({ $0 }), cached.inputs == inputs {
            return Finding(analysis: cached.analysis, basis: basis.description)
        }
        let analysis = importance.analyse(inputs.observations, seed: inputs.seed)
        Self.last.withLock { $0 = (inputs, analysis) }
        return Finding(analysis: analysis, basis: basis.description)
    }

    /// What an analysis depends on.
    private struct Inputs: Hashable {
        var configText: String
        var seed: UInt64
        var observations: [Observation]
    }

    /// The latest analysis with its inputs: the live page asks every 5 s, but the answer changes only when a trial
    /// reports (a GP fit over hundreds of trials takes a noticeable part of a second).
    private static let last = Mutex<(inputs: Inputs, analysis: ImportanceAnalysis)?>(nil)

    private static func unavailable(_ reason: String) -> Finding {
        Finding(
            analysis: ImportanceAnalysis(observationsUsed: 0, observationsSkipped: 0, outcome: .unavailable(reason)),
            basis: "no trials read")
    }
}
