/// The JSON endpoints: the pieces of `StudyStatus` (the documented `mixrec status --json` shape).
enum DashboardAPI {
    private struct StudyBody: Encodable {
        var study: StudyStatus.Study?
        var budget: Int
        var best: StudyStatus.Best?
        var objective: String
        var maximize: Bool

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.study, forKey: .study)
            try container.encode(self.budget, forKey: .budget)
            try container.encode(self.best, forKey: .best)
            try container.encode(self.objective, forKey: .objective)
            try container.encode(self.maximize, forKey: .maximize)
        }

        enum CodingKeys: String, CodingKey { case study, budget, best, objective, maximize }
    }

    /// `/api/study`: `{"study": {…} or null, "budget", "best": {…} or null, "objective", "maximize"}`.
    static func study(_ snapshot: DashboardSnapshot) -> String {
        CanonicalJSON.encode(
            StudyBody(
                study: snapshot.status.study, budget: snapshot.status.budget, best: snapshot.status.best,
                objective: snapshot.objective, maximize: snapshot.maximize))
    }

    /// `/api/trials`: the array of trial lines of `mixrec status --json`.
    static func trials(_ snapshot: DashboardSnapshot) -> String {
        CanonicalJSON.encode(snapshot.status.trials)
    }

    /// `/api/workers`: the array of workers of `mixrec status --json`.
    static func workers(_ snapshot: DashboardSnapshot) -> String {
        CanonicalJSON.encode(snapshot.status.workers)
    }
}
