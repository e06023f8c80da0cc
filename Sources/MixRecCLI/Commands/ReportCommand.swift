import ArgumentParser
import Cluster
import Dispatch
import Foundation
import Search

/// `mixrec report`: a study as a self-contained HTML report and/or CSV, or its live dashboard served from the
/// database alone (for a finished study, or to watch one from another process).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Write a study's HTML report (plots, best configuration, parameter importances, all trials) and/or CSV, "
            + "or serve its dashboard."
    )

    @Option(help: "The study directory (holds study.sqlite).")
    var studyDir: String

    @Option(help: "Write the self-contained HTML report to this file.")
    var out: String?

    @Option(help: "Write the trials as CSV to this file.")
    var csv: String?

    @Option(help: "Write the parameter importances (from the complete trials) as CSV to this file.")
    var importances: String?

    @Option(
        help: ArgumentHelp(
            "Serve the live dashboard on HOST:PORT until interrupted (reads the database only); off loopback it "
                + "needs --token-file (or --insecure)."))
    var serve: String?

    @Option(help: "With --serve: a file holding the bearer token every request must carry.")
    var tokenFile: String?

    @Flag(
        help: ArgumentHelp(
            "With --serve: serve a non-loopback address without a bearer token (logged as a warning): anyone who "
                + "reaches it can read the study. Trusted networks only."))
    var insecure = false

    @Option(help: "The metric that ranks trials (default: the study's objective.metric).")
    var objective: String?

    @Flag(help: "Smaller objective values are better (default: the study's search direction).")
    var minimize = false

    func validate() throws {
        guard self.out != nil || self.csv != nil || self.importances != nil || self.serve != nil else {
            throw ValidationError("give --out FILE.html, --csv FILE, --importances FILE or --serve HOST:PORT")
        }
        try UnprotectedListener.refuse(
            try self.unprotectedListeners(), insecure: self.insecure, tokenOption: "--token-file")
    }

    /// The dashboard as an unprotected listener, if it is one.
    private func unprotectedListeners() throws -> [UnprotectedListener] {
        try UnprotectedListener.listening(
            on: self.serve, option: "--serve", token: self.tokenFile != nil, as: UnprotectedListener.dashboard)
    }

    func run() throws {
        let directory = URL(fileURLWithPath: self.studyDir)
        let store = try StudyStore.openReadOnly(directory: directory)
        let config = try store.study()?.configJSON ?? ""
        let objective = self.objective ?? StudyConfig.metric(inCanonicalText: config) ?? "valid/ndcg@10"
        let maximize = !self.minimize && StudyConfig.maximizes(inCanonicalText: config)
        if let out = self.out {
            let html = try StudyReport.html(from: store, objective: objective, maximize: maximize)
            try html.write(toFile: out, atomically: true, encoding: .utf8)
            print("wrote \(out)")
        }
        if let csv = self.csv {
            let status = try StudyStatus.load(from: store, objective: objective, maximize: maximize)
            try TrialCSV.render(status).write(toFile: csv, atomically: true, encoding: .utf8)
            print("wrote \(csv) (\(status.trials.count) trials)")
        }
        if let path = self.importances {
            let finding = try StudyImportance.analyse(from: store, objective: objective, maximize: maximize)
            let analysis = finding.analysis
            try ImportanceCSV.render(analysis).write(toFile: path, atomically: true, encoding: .utf8)
            let found =
                analysis.unavailableReason.map { "no importances: \($0)" }
                ?? "\(analysis.effects.count) parameters from \(finding.basis)"
            print("wrote \(path) (\(found))")
        }
        if let serve = self.serve {
            try self.serveUntilInterrupted(
                directory: directory, bind: serve, objective: objective, maximize: maximize)
        }
    }

    private func serveUntilInterrupted(directory: URL, bind: String, objective: String, maximize: Bool) throws {
        for listener in try self.unprotectedListeners() {
            Console.note("warning: --insecure: serving \(listener)")
        }
        let server = DashboardServer(objective: objective, maximize: maximize)
        let address = try server.start(
            studyDirectory: directory, bind: bind, tokenFile: self.tokenFile.map { URL(fileURLWithPath: $0) })
        print("dashboard on http://\(address)/ (Ctrl-C stops)")
        let done = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            sources.append(source)
        }
        done.wait()
        server.stop()
        sources.forEach { $0.cancel() }
    }
}
