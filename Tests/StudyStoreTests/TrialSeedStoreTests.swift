import ClusterCore
import Foundation
import GRDB
import Search
import TestKit
import Testing

@testable import StudyStore

/// The trial's seed column (`v4-trial-seed`): round trips, and databases from before it.
@Suite struct TrialSeedStoreTests {
    @Test func aTrialsSeedRoundTripsWithAllSixtyFourBits() throws {
        let directory = try ScratchFolder()
        let store = try StudyStore(directory: directory.url)
        let trials = [UInt64(0), 7, .max].enumerated().map { index, seed in
            Trial(id: TrialID(UInt64(index + 1)), params: Configuration([:]), origin: .replicate, seed: seed)
        }
        try store.save(trials)
        #expect(try store.trials().map(\.seed) == [0, 7, .max])
        #expect(try store.trials() == trials)
    }

    @Test func aDatabaseOfThePreviousSchemaReadsAndOpensWithTheSeedsItsTrialsTrainedWith() throws {
        let directory = try ScratchFolder()
        do {
            let old = try StudyStore(directory: directory.url, readOnly: false)
            try old.migrate(upTo: "v3-telemetry")
            try old.saveStudy(
                StudyRecord(
                    name: "old", configJSON: "{}", seed: 40, budget: 2, state: .running,
                    createdAt: Date(timeIntervalSince1970: 1_800_000_000)))
            for id: TrialID in [1, 2] {
                try old.insertWithoutSeed(Trial(id: id, params: Configuration(["x": .int(1)]), origin: .proposed))
            }
        }
        // Before the column, trial n trained with the study's seed plus n: `mixrec status` reads those seeds
        // without migrating, and a resumed study keeps them.
        let reader = try StudyStore.openReadOnly(directory: directory.url)
        #expect(try reader.appliedMigrations().last == "v3-telemetry")
        #expect(try reader.trials().map(\.seed) == [41, 42])
        let store = try StudyStore(directory: directory.url)
        #expect(try store.appliedMigrations().last == StudySchema.latestMigration)
        #expect(try store.trials().map(\.seed) == [41, 42])
        #expect(try store.trials().map(\.origin) == [.proposed, .proposed])
    }
}

extension StudyStore {
    /// Writes `trial` (and its epochs) as a database of a schema before `v4-trial-seed` stored it.
    func insertWithoutSeed(_ trial: Trial) throws {
        let row = TrialRow(trial)
        try self.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO trial (id, paramsJSON, origin, state, attempt, failedAttempts, groupID, workersJSON,
                        checkpointEpoch, finalMetricsJSON, failureReasonsJSON, seconds)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    row.id, row.paramsJSON, row.origin, row.state, row.attempt, row.failedAttempts, row.groupID,
                    row.workersJSON, row.checkpointEpoch, row.finalMetricsJSON, row.failureReasonsJSON, row.seconds,
                ])
            for (epoch, metrics) in trial.intermediate {
                try TrialEpochRow(
                    trialID: row.id, epoch: epoch, metricsJSON: JSONText.encode(metrics)
                ).insert(db)
            }
        }
    }
}
