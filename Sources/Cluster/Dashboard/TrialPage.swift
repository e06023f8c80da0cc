import Foundation
import Search

/// `/trials/ID`: one trial's configuration, runs and failures, learning curve, checkpoints and events.
enum TrialPage {
    static func render(
        _ trial: Trial, snapshot: DashboardSnapshot, checkpoints: [CheckpointRecord], events: [StudyEvent]
    ) -> String {
        let id = trial.id.rawValue
        var body = "<p><a href=\"/\">← study</a></p>\n<h1>Trial \(id) "
        body += "<span class=\"\(trial.state.rawValue)\">\(trial.state.rawValue)</span></h1>\n<p class=\"muted\">"
        body += "origin \(trial.origin.rawValue) · seed \(trial.seed) · attempt \(trial.attempt) · "
        body += "failed runs \(trial.failedAttempts) · "
        body += "workers \(HTMLText.escape(trial.workers.map(\.rawValue).joined(separator: ", "))) · "
        body += String(format: "%.1f s", trial.seconds) + "</p>\n<h2>Configuration</h2>\n"
        body += HTMLText.table(
            headers: ["parameter", "value"],
            rows: trial.params.values.sorted { $0.key < $1.key }.map {
                [HTMLText.escape($0.key), HTMLText.escape(HTMLText.parameter($0.value))]
            })
        if let metrics = trial.finalMetrics {
            body += "<h2>Final metrics</h2>\n"
            body += HTMLText.table(
                headers: ["metric", "value"],
                rows: metrics.sorted { $0.key < $1.key }.map { [HTMLText.escape($0.key), HTMLText.number($0.value)] })
        }
        let single = DashboardSnapshot(
            status: snapshot.status, seedSummaries: snapshot.seedSummaries, trials: [trial],
            objective: snapshot.objective, maximize: snapshot.maximize,
            throughput: snapshot.throughput, counters: snapshot.counters, now: snapshot.now,
            configText: snapshot.configText)
        body += "<h2>Learning curve</h2>\n<div class=\"plots\">" + DashboardPlots.learningCurves(single) + "</div>\n"
        body += Self.epochs(trial)
        body += "<h2>Failures</h2>\n"
        body +=
            trial.failureReasons.isEmpty
            ? "<p>none</p>\n"
            : "<ol>" + trial.failureReasons.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ol>\n"
        body += "<h2>Checkpoints</h2>\n"
        body += HTMLText.table(
            headers: ["epoch", "attempt", "bytes", "CRC-32C", "state", "file"],
            rows: checkpoints.map {
                [
                    "\($0.epoch)", "\($0.attempt)", "\($0.byteLength)", String($0.crc32c, radix: 16),
                    $0.corrupt ? "<span class=\"FAILED\">corrupt</span>" : "ok",
                    "<code>\(HTMLText.escape($0.path))</code>",
                ]
            })
        body += "<h2>Events</h2>\n"
        let formatter = ISO8601DateFormatter()
        body += HTMLText.table(
            headers: ["at", "kind", "worker", "message"],
            rows: events.map {
                [
                    formatter.string(from: $0.at), HTMLText.escape($0.kind), HTMLText.escape($0.workerID ?? ""),
                    HTMLText.escape($0.message),
                ]
            })
        return HTMLText.document(title: "MixRec · trial \(id)", refresh: !trial.state.isTerminal, body: body)
    }

    /// Every reported metric per epoch.
    private static func epochs(_ trial: Trial) -> String {
        let names = Set(trial.intermediate.values.flatMap(\.keys)).sorted()
        let rows = trial.intermediate.keys.sorted().map { epoch in
            ["\(epoch)"] + names.map { HTMLText.number(trial.intermediate[epoch]?[$0]) }
        }
        return HTMLText.table(headers: ["epoch"] + names, rows: rows, cssClass: "epochs")
    }
}
