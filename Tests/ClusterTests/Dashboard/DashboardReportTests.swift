import Cluster
import Foundation
import Search
import Testing

/// The HTML report and CSV export built from the same study.
@Suite struct DashboardReportTests {
    @Test func theReportIsSelfContainedWithPlotsAndTheBestConfiguration() throws {
        let fixture = try DashboardStudyFixture()
        let html = try StudyReport.html(from: try StudyStore.openReadOnly(directory: fixture.directory.url))
        #expect(!html.contains("http-equiv=\"refresh\"") && !html.contains("href=") && !html.contains("src="))
        #expect(!html.contains("<script"))
        let plots = SVGMarks(html: html)
        #expect(plots.marks(in: "objective") == [1, 2, 3, 4])
        #expect(plots.marks(in: "curves") == [1, 2, 3, 4])
        #expect(html.contains("Best trial: 2"))
        #expect(html.contains("class=\"trials\""))
        #expect(html.components(separatedBy: "<tr>").count - 1 >= 6 + 1)
    }

    @Test func minimizingPicksTheLowestObjectiveAsBest() throws {
        let fixture = try DashboardStudyFixture()
        let html = try StudyReport.html(
            from: try StudyStore.openReadOnly(directory: fixture.directory.url), maximize: false)
        #expect(html.contains("Best trial: 1"))
    }

    @Test func theCSVHasOneQuotedRowPerTrial() throws {
        let fixture = try DashboardStudyFixture()
        let status = try StudyStatus.load(from: fixture.store)
        let rows = TrialCSV.render(status).components(separatedBy: "\r\n").dropLast()
        #expect(rows.count == 7)
        #expect(
            rows.first
                == "id,state,origin,seed,attempt,epoch,workers,best_validation,param:experts,param:lr,param:plan,"
                + "metric:test/ndcg@10,metric:valid/ndcg@10")
        let quoted = "\"<script>alert(\"\"x\"\")</script>&'\""
        #expect(rows[2] == "2,COMPLETE,PROPOSED,0,1,3,\"w\"\"1\\\n\",0.42,4,0.002,\(quoted),\(0.42 - 0.01),0.42")
    }
}

@Suite struct DashboardPlotTests {
    @Test func aParameterSpanningDecadesIsPlottedOnALogScale() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let trials = [1e-4, 1e-3, 1e-2].enumerated().map { index, rate in
            var trial = Trial(
                id: TrialID(UInt64(index + 1)), params: Configuration(["lr": .double(rate)]), origin: .proposed)
            trial.state = .complete
            trial.finalMetrics = ["valid/ndcg@10": Double(index)]
            return trial
        }
        try store.save(trials)
        let html = try StudyReport.html(from: store)
        #expect(html.contains("lr (log scale)") && html.contains(">1e-3<"))
        #expect(SVGMarks(html: html).marks(in: "parameter") == [1, 2, 3])
        let xs = html.components(separatedBy: "data-trial=\"").dropFirst().compactMap { part -> Double? in
            guard let cx = part.range(of: "cx=\"") else { return nil }
            return Double(part[cx.upperBound...].prefix { $0 != "\"" })
        }
        let parameterXs = Array(xs.suffix(3))
        #expect(abs((parameterXs[1] - parameterXs[0]) - (parameterXs[2] - parameterXs[1])) < 0.2)
    }
}
