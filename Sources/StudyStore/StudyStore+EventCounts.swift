import GRDB

extension StudyStore {
    /// How many events of each kind the log holds, e.g. `["trial.assigned": 6, "worker.lost": 1]`.
    public func eventCounts() throws(StudyStoreError) -> [String: Int] {
        try self.read("count events") { db in
            let rows = try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS count FROM event GROUP BY kind")
            var counts: [String: Int] = [:]
            for row in rows { counts[row["kind"]] = row["count"] }
            return counts
        }
    }
}
