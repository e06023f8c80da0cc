import GRDB

/// The study database's versioned schema. Migrations are append-only: never edit a registered one.
enum StudySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-tables") { db in
            try db.create(table: "study") { table in
                table.column("id", .integer).primaryKey().check { $0 == 1 }
                table.column("name", .text).notNull()
                table.column("configJSON", .text).notNull()
                table.column("configHash", .text).notNull()
                table.column("seed", .integer).notNull()
                table.column("budget", .integer).notNull()
                table.column("state", .text).notNull()
                table.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "trial") { table in
                table.column("id", .integer).primaryKey()
                table.column("paramsJSON", .text).notNull()
                table.column("origin", .text).notNull()
                table.column("state", .text).notNull()
                table.column("attempt", .integer).notNull()
                table.column("failedAttempts", .integer).notNull()
                table.column("groupID", .integer)
                table.column("workersJSON", .text).notNull()
                table.column("checkpointEpoch", .integer)
                table.column("finalMetricsJSON", .text)
                table.column("failureReasonsJSON", .text).notNull()
                table.column("seconds", .double).notNull()
            }
            try db.create(table: "trialEpoch") { table in
                table.column("trialID", .integer).notNull().references("trial", onDelete: .cascade)
                table.column("epoch", .integer).notNull()
                table.column("metricsJSON", .text).notNull()
                table.primaryKey(["trialID", "epoch"])
            }
            try db.create(table: "worker") { table in
                table.column("id", .text).primaryKey()
                table.column("incarnation", .integer).notNull()
                table.column("host", .text).notNull()
                table.column("cores", .integer).notNull()
                table.column("status", .text).notNull()
                table.column("busy", .boolean).notNull()
                table.column("lastSeen", .datetime).notNull()
            }
            try db.create(table: "event") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("kind", .text).notNull()
                table.column("trialID", .integer)
                table.column("workerID", .text)
                table.column("message", .text).notNull()
            }
            try db.create(table: "checkpoint") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("trialID", .integer).notNull().references("trial", onDelete: .cascade)
                table.column("attempt", .integer).notNull()
                table.column("epoch", .integer).notNull()
                table.column("path", .text).notNull()
                table.column("byteLength", .integer).notNull()
                table.column("crc32c", .integer).notNull()
                table.column("corrupt", .boolean).notNull().defaults(to: false)
                table.column("createdAt", .datetime).notNull()
                table.uniqueKey(["trialID", "epoch"])
            }
        }
        migrator.registerMigration("v2-indexes") { db in
            try db.create(index: "trialByState", on: "trial", columns: ["state"])
            try db.create(index: "eventByTrial", on: "event", columns: ["trialID"])
        }
        migrator.registerMigration("v3-telemetry") { db in
            try db.create(table: "workerThroughput") { table in
                table.column("workerID", .text).primaryKey()
                table.column("stepsTotal", .integer).notNull()
                table.column("stepRate", .double)
                table.column("allReduceBytes", .integer).notNull()
                table.column("allReduceSeconds", .double).notNull()
                table.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "coordinatorCounter") { table in
                table.column("name", .text).notNull()
                table.column("label", .text).notNull()
                table.column("value", .integer).notNull()
                table.primaryKey(["name", "label"])
            }
        }
        migrator.registerMigration("v4-trial-seed") { db in
            // Before this column a trial trained with the study's seed plus its id; existing rows keep that seed.
            try db.alter(table: "trial") { table in
                table.add(column: "seed", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: "UPDATE trial SET seed = COALESCE((SELECT seed FROM study WHERE id = 1), 0) + id")
        }
        return migrator
    }

    /// The newest migration; a database that has applied it is current.
    static let latestMigration = "v4-trial-seed"
}
