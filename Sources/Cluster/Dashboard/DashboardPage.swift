import Foundation
import Search

/// The study overview: summary, best trial, plots, what the search learnt, trials table and workers. The live
/// dashboard (`/`) and the HTML report share it.
enum DashboardPage {
    enum Style {
        /// Served by the coordinator: refreshes while the study runs and links to trial pages.
        case live
        /// A self-contained file: no refresh, no links.
        case report
    }

    static func render(_ snapshot: DashboardSnapshot, style: Style) -> String {
        let status = snapshot.status
        let name = status.study?.name ?? "(no study yet)"
        var body = "<h1>MixRec study \(HTMLText.escape(name))</h1>\n<p class=\"muted\">"
        body += "state \(HTMLText.escape(status.study?.state.rawValue ?? "–")) · "
        body += "\(HTMLText.escape(status.progress)) · "
        body += "objective \(HTMLText.escape(snapshot.objective)) (\(snapshot.maximize ? "max" : "min")) · "
        body += "read \(HTMLText.escape(ISO8601DateFormatter().string(from: snapshot.now)))</p>\n"
        body += Self.best(snapshot, style: style) + DashboardSeeds.render(snapshot, style: style)
        body += "<h2>Plots</h2>\n<div class=\"plots\">\n"
        body += DashboardPlots.objective(snapshot) + DashboardPlots.learningCurves(snapshot)
        body += "</div>\n" + DashboardImportance.render(snapshot)
        body += "<h2>Trials</h2>\n" + Self.trialsTable(snapshot, style: style)
        body += "<h2>Workers</h2>\n" + Self.workersTable(snapshot)
        body += "<h2>Coordinator messages</h2>\n" + Self.messagesTable(snapshot)
        return HTMLText.document(
            title: "MixRec · \(name)", refresh: style == .live && snapshot.isLive, body: body)
    }

    private static func best(_ snapshot: DashboardSnapshot, style: Style) -> String {
        guard let best = snapshot.status.best else { return "<h2>Best trial</h2>\n<p>none complete yet</p>\n" }
        var html = "<h2>Best trial: \(Self.trialLink(best.id, style: style))</h2>\n"
        let params = best.params.values.sorted { $0.key < $1.key }.map {
            [HTMLText.escape($0.key), HTMLText.escape(HTMLText.parameter($0.value))]
        }
        html += HTMLText.table(headers: ["parameter", "value"], rows: params, cssClass: "best-params")
        let metrics = best.metrics.sorted { $0.key < $1.key }.map {
            [HTMLText.escape($0.key), HTMLText.number($0.value)]
        }
        return html + HTMLText.table(headers: ["metric", "value"], rows: metrics, cssClass: "best-metrics")
    }

    private static func trialsTable(_ snapshot: DashboardSnapshot, style: Style) -> String {
        let rows = snapshot.status.trials.map { line -> [String] in
            let tests = line.metrics.filter { $0.key.hasPrefix("test/") }.sorted { $0.key < $1.key }
                .map { HTMLText.escape("\($0.key.dropFirst(5))=\(HTMLText.number($0.value))") }.joined(separator: " ")
            return [
                Self.trialLink(line.id, style: style),
                "<span class=\"\(line.state.rawValue)\">\(line.state.rawValue)</span>", "\(line.seed)",
                "\(line.attempt)", "<code>\(HTMLText.parameters(line.params))</code>",
                HTMLText.escape(line.workers.joined(separator: ", ")), "\(line.epoch)", HTMLText.number(line.fidelity),
                HTMLText.number(line.bestValidation), tests.isEmpty ? "–" : tests,
            ]
        }
        return HTMLText.table(
            headers: [
                "trial", "state", "seed", "attempt", "parameters", "workers", "epoch", "fidelity", "validation", "test",
            ],
            rows: rows,
            cssClass: "trials")
    }

    private static func workersTable(_ snapshot: DashboardSnapshot) -> String {
        let rows = snapshot.status.workers.map { worker -> [String] in
            let age = max(0, snapshot.now.timeIntervalSince(worker.lastSeen))
            let throughput = snapshot.throughput[worker.id]
            return [
                HTMLText.escape(worker.id), worker.status.rawValue, worker.busy ? "busy" : "idle",
                HTMLText.escape(worker.host), "\(worker.cores)", String(format: "%.0f s ago", age),
                HTMLText.number(throughput?.stepRate), throughput.map { "\($0.stepsTotal)" } ?? "–",
                throughput.map {
                    String(format: "%.1f MB in %.1f s", Double($0.allReduceBytes) / 1e6, $0.allReduceSeconds)
                } ?? "–",
            ]
        }
        return HTMLText.table(
            headers: [
                "worker", "status", "activity", "host", "cores", "last heartbeat", "steps/s", "steps", "all-reduce",
            ], rows: rows, cssClass: "workers")
    }

    /// Messages received and sent by kind, and rejected by error code, over every run of the coordinator.
    private static func messagesTable(_ snapshot: DashboardSnapshot) -> String {
        guard !snapshot.counters.isEmpty else { return "<p>none counted yet</p>\n" }
        let rows = snapshot.counters.map { [HTMLText.escape($0.name), HTMLText.escape($0.label), "\($0.value)"] }
        return HTMLText.table(headers: ["counter", "kind or code", "messages"], rows: rows, cssClass: "messages")
    }

    static func trialLink(_ id: UInt64, style: Style) -> String {
        style == .live ? "<a href=\"/trials/\(id)\">\(id)</a>" : "\(id)"
    }
}
