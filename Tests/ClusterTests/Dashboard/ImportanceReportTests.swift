import Cluster
import Foundation
import Search
import Testing

/// The report's "What the search learnt" section and the importance CSV, on studies stored as a coordinator
/// stores them.
@Suite struct ImportanceReportTests {
    /// A synthetic study whose search file has a float that matters (`x1`), one that does not (`x2`), a
    /// categorical with a hostile choice and a conditional log-scale integer; `complete` COMPLETE trials whose
    /// objective is `(x1 − 2)²` plus a little of `x2`, then one PRUNED and one RUNNING trial.
    struct Fixture {
        static let hostile = "a<b>&"
        let directory: StudyDirectory
        let store: StudyStore
        let completeIDs: [UInt64]

        init(complete: Int) throws {
            self.directory = try StudyDirectory()
            let folder = self.directory.url
            try """
            direction: minimize
            parameters:
              - {name: x1, type: float, low: -5, high: 10}
              - {name: x2, type: float, low: 0, high: 15}
              - {name: plan, type: categorical, choices: [none, lora, "\(Self.hostile)"]}
              - {name: rank, type: int, low: 2, high: 16, log: true, when: {parameter: plan, in: [lora]}}
            """.write(to: folder.appendingPathComponent("space.yaml"), atomically: true, encoding: .utf8)
            try """
            study: {name: learnt, seed: 4, budget: 40}
            search: {space: space.yaml}
            objective: {kind: synthetic, function: branin, metric: valid/score}
            """.write(to: folder.appendingPathComponent("study.yaml"), atomically: true, encoding: .utf8)
            let (store, config) = try StudyStore.storing(studyIn: folder, state: .finished)
            self.store = store
            let configurations = RandomSearch(space: config.search.space).propose(
                count: complete + 2, seed: 8, trialIndex: 0)
            var trials: [Trial] = []
            for (index, configuration) in configurations.enumerated() {
                let x1 = configuration["x1"]?.number ?? 0
                let value = (x1 - 2) * (x1 - 2) + 0.01 * (configuration["x2"]?.number ?? 0)
                var trial = Trial(id: TrialID(UInt64(index + 1)), params: configuration, origin: .proposed)
                trial.attempt = 1
                trial.intermediate[1] = ["valid/score": value + 1]
                switch index {
                case complete: trial.state = .pruned
                case complete + 1: trial.state = .running
                default:
                    trial.state = .complete
                    trial.finalMetrics = ["valid/score": value]
                }
                trials.append(trial)
            }
            try self.store.save(trials)
            self.completeIDs = (1...UInt64(complete)).map { $0 }
        }

        func report() throws -> String {
            try StudyReport.html(
                from: try StudyStore.openReadOnly(directory: self.directory.url), objective: "valid/score",
                maximize: false)
        }
    }

    /// The rows of the importance table: each row's cells.
    static func importanceRows(_ html: String) -> [[String]] {
        guard let start = html.range(of: "<table class=\"importance\">"),
            let end = html[start.upperBound...].range(of: "</table>")
        else { return [] }
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<tr>").dropFirst(2).map { row in
            row.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
        }
    }

    @Test func theReportSaysWhatTheSearchLearntAboutEveryParameter() throws {
        let fixture = try Fixture(complete: 24)
        let html = try fixture.report()
        #expect(html.contains("<h2>What the search learnt</h2>"))
        #expect(html.contains("fANOVA main effects of the fitted GP&#39;s posterior mean"))
        #expect(html.contains("· 24 complete trials ·"))
        let rows = Self.importanceRows(html)
        let escaped = "a&lt;b&gt;&amp;"
        #expect(
            rows.map { $0[0] }.sorted() == [
                "<code>plan</code>", "<code>rank</code>", "<code>x1</code>", "<code>x2</code>",
            ])
        #expect(rows.first?[0] == "<code>x1</code>")
        #expect(rows.first.flatMap { Double($0[2]) }.map { $0 > 0.7 } == true)
        let plots = SVGMarks(html: html)
        #expect(plots.count(of: "parameter") == 4)
        for index in 0..<4 {
            #expect(Set(plots.marks(in: "parameter", index: index)).isSubset(of: fixture.completeIDs))
        }
        #expect(plots.marks(in: "parameter", index: 0) == fixture.completeIDs)
        #expect(html.contains("x1 vs objective (importance "))
        #expect(html.contains(">\(escaped)</text>") && !html.contains(Fixture.hostile))
        #expect(html.components(separatedBy: "class=\"group-mean\"").count - 1 == 3)
    }

    @Test func theImportanceCSVListsEveryParameterMostImportantFirst() throws {
        let fixture = try Fixture(complete: 24)
        let analysis = try StudyImportance.analyse(from: fixture.store, objective: "valid/score", maximize: false)
            .analysis
        let lines = ImportanceCSV.render(analysis).components(separatedBy: "\r\n").dropLast()
        #expect(lines.first == "parameter,importance,main_effect_share,length_scale")
        #expect(lines.count == 5 && lines.dropFirst().first?.hasPrefix("x1,") == true)
        let importances = lines.dropFirst().compactMap { Double($0.components(separatedBy: ",")[1]) }
        #expect(importances.count == 4 && abs(importances.reduce(0, +) - 1) < 1e-9)
        #expect(
            try StudyImportance.analyse(from: fixture.store, objective: "valid/score", maximize: false).analysis
                == analysis)
    }

    /// `mixrec report` reads the objective and direction from the stored study and writes the same importances.
    @Test(.enabled(if: MixRecBinary.available, "needs .build/debug/mixrec: run `swift build --product mixrec` first"))
    func theReportCommandWritesTheImportancesAsCSV() throws {
        let fixture = try Fixture(complete: 24)
        let folder = fixture.directory.url
        let csv = folder.appendingPathComponent("importances.csv")
        let html = folder.appendingPathComponent("report.html")
        let command = try MixRecProcess(
            ["report", "--study-dir", folder.path, "--out", html.path, "--importances", csv.path],
            log: folder.appendingPathComponent("report.log"))
        #expect(command.exitStatus(within: 120) == 0)
        #expect(command.output.contains("wrote \(csv.path) (4 parameters from 24 complete trials)"))
        let expected = ImportanceCSV.render(
            try StudyImportance.analyse(from: fixture.store, objective: "valid/score", maximize: false).analysis)
        #expect(try String(contentsOf: csv, encoding: .utf8) == expected)
        #expect(try String(contentsOf: html, encoding: .utf8).contains("<table class=\"importance\">"))
    }

    @Test func tooFewTrialsAreReportedWithTheReason() throws {
        // 3 complete trials; with the pruned and the running one, 5 at epoch 1: the most at any fidelity.
        let html = try Fixture(complete: 3).report()
        #expect(html.contains("<h2>What the search learnt</h2>") && Self.importanceRows(html).isEmpty)
        #expect(html.contains("5 trials at epoch 1"))
        #expect(html.contains("No importances: 5 trials with a value; importances need at least 6 for 4 parameters."))
        let rough = try Fixture(complete: 6).report()
        #expect(Self.importanceRows(rough).count == 4)
        #expect(rough.contains("Rough: fewer than 9 trials for 4 parameters"))
        #expect(SVGMarks(html: html).count(of: "parameter") == 4)
    }

    /// Too few complete trials: the analysis reads the trials' values at the highest fidelity enough of them reached,
    /// as soon as they report it.
    @Test func theAnalysisFollowsTrialsAsTheyReport() throws {
        let fixture = try Fixture(complete: 3)
        #expect(try fixture.report().contains("No importances: 5 trials with a value"))
        var next = Trial(
            id: TrialID(6), params: Configuration(["x1": .double(1), "x2": .double(3), "plan": .string("none")]),
            origin: .proposed)
        next.state = .running
        next.intermediate[1] = ["valid/score": 2]
        try fixture.store.save([next])
        let html = try fixture.report()
        #expect(Self.importanceRows(html).count == 4 && html.contains("6 trials at epoch 1"))
        // A replicate repeats a configuration with another seed: it is not one more observation of the parameters.
        var replicate = Trial(id: TrialID(7), params: next.params, origin: .replicate, seed: 5)
        replicate.state = .running
        replicate.intermediate[1] = ["valid/score": 2.5]
        try fixture.store.save([replicate])
        #expect(try fixture.report().contains("6 trials at epoch 1"))
    }

    @Test func aStudyWithoutASearchSpaceStillPlotsItsCompleteTrials() throws {
        let fixture = try DashboardStudyFixture()
        let html = try StudyReport.html(from: try StudyStore.openReadOnly(directory: fixture.directory.url))
        #expect(html.contains("No importances: the study stores no search space."))
        let plots = SVGMarks(html: html)
        #expect(plots.count(of: "parameter") == 3)
        #expect(plots.marks(in: "parameter") == [1, 2])
    }
}
