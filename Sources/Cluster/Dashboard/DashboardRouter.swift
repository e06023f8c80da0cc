import Foundation
import HTTPServing
import Logging

/// Maps a request to a response; every response is built from a fresh read of the study database.
struct DashboardRouter: HTTPHandler {
    let studyDirectory: URL
    /// The bearer token requests must carry, nil when the dashboard is open.
    let token: BearerToken?
    let objective: String
    let maximize: Bool
    /// Whether the dashboard listens on loopback only: requests must then name loopback in `Host`.
    let loopbackOnly: Bool
    let logger = Logger(label: "mixrec.dashboard")

    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard !self.loopbackOnly || request.hostIsLoopback else {
            return .text(421, "this dashboard answers only requests for localhost or 127.0.0.1")
        }
        guard self.token?.authorizes(request) ?? true else {
            return .text(401, "missing or wrong bearer token", headers: [BearerToken.challenge])
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "only GET and HEAD are served", headers: [("Allow", "GET, HEAD")])
        }
        let page: Page
        switch request.path {
        case "/": page = .index
        case "/api/study": page = .apiStudy
        case "/api/trials": page = .apiTrials
        case "/api/workers": page = .apiWorkers
        case "/metrics": page = .metrics
        default:
            guard request.path.hasPrefix("/trials/"), let id = UInt64(request.path.dropFirst("/trials/".count)) else {
                return .text(404, "no such page")
            }
            page = .trial(TrialID(id))
        }
        do {
            let store = try StudyStore.openReadOnly(directory: self.studyDirectory)
            let snapshot = try DashboardSnapshot.load(from: store, objective: self.objective, maximize: self.maximize)
            return try self.render(page, snapshot: snapshot, store: store)
        } catch {
            // The error names paths and SQL: it goes to the log, not to the client.
            self.logger.error("dashboard cannot read the study database", metadata: ["error": "\(error)"])
            return .text(503, "the study database cannot be read right now; the coordinator's log says why")
        }
    }

    private enum Page {
        case index, apiStudy, apiTrials, apiWorkers, metrics
        case trial(TrialID)
    }

    private func render(_ page: Page, snapshot: DashboardSnapshot, store: StudyStore) throws(StudyStoreError)
        -> HTTPResponse
    {
        let html = "text/html; charset=utf-8"
        let json = "application/json"
        switch page {
        case .index:
            return HTTPResponse(status: 200, contentType: html, body: DashboardPage.render(snapshot, style: .live))
        case .apiStudy: return HTTPResponse(status: 200, contentType: json, body: DashboardAPI.study(snapshot))
        case .apiTrials: return HTTPResponse(status: 200, contentType: json, body: DashboardAPI.trials(snapshot))
        case .apiWorkers: return HTTPResponse(status: 200, contentType: json, body: DashboardAPI.workers(snapshot))
        case .metrics:
            return HTTPResponse(
                status: 200, contentType: PrometheusText.contentType,
                body: DashboardMetrics.exposition(snapshot, eventCounts: try store.eventCounts()))
        case .trial(let id):
            guard let trial = snapshot.trials.first(where: { $0.id == id }) else {
                return .text(404, "no trial \(id.rawValue)")
            }
            let body = TrialPage.render(
                trial, snapshot: snapshot, checkpoints: try store.checkpoints(trial: id),
                events: try store.events(trial: id, limit: 200))
            return HTTPResponse(status: 200, contentType: html, body: body)
        }
    }
}
