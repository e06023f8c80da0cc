import ArgumentParser
import Cluster
import Foundation
import HTTPServing
import Logging
import Search
import ZeroMQ

/// `mixrec coordinator`: runs a study's search, serving workers on a ROUTER socket until the budget is used.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a study: propose trials, assign them to workers, record everything in the study directory.")

    @Option(help: "The study config (YAML, see configs/README.md).")
    var config: String

    @OptionGroup var study: StudyDirectoryOption

    @Option(help: "ZeroMQ endpoint to serve workers on; off loopback it needs CURVE (or --insecure).")
    var bind = "tcp://127.0.0.1:5555"

    @Option(
        help: ArgumentHelp(
            "Serve the dashboard, JSON API and /metrics on HOST:PORT (e.g. 127.0.0.1:8080); off by default. "
                + "Off loopback it needs --http-token-file (or --insecure)."))
    var http: String?

    @Option(help: "A file holding a bearer token the dashboard requires (with --http).")
    var httpTokenFile: String?

    @OptionGroup var curve: CoordinatorCurveOptions

    @Flag(
        help: ArgumentHelp(
            "Serve a non-loopback --bind without CURVE and a non-loopback --http without a token (logged as a "
                + "warning). Anyone who reaches them can then join as a worker or read the study: trusted networks "
                + "only."))
    var insecure = false

    @OptionGroup var logging: LoggingOptions

    @OptionGroup var chaos: ChaosOptions

    /// The listeners other machines could reach without authenticating.
    private func unprotectedListeners() throws -> [UnprotectedListener] {
        try UnprotectedListener.among(
            bind: self.bind, curve: self.curve.curveKeys != nil, http: self.http, token: self.httpTokenFile != nil)
    }

    func validate() throws {
        try UnprotectedListener.refuse(
            try self.unprotectedListeners(), insecure: self.insecure, tokenOption: "--http-token-file")
    }

    func run() throws {
        self.logging.bootstrap()
        let logger = Logger(label: "mixrec.coordinator")
        for listener in try self.unprotectedListeners() {
            logger.warning("--insecure: serving \(listener)")
        }
        let config: StudyConfig
        do {
            config = try StudyConfig(contentsOf: self.config, kinds: .cli)
        } catch {
            throw ValidationError("\(self.config): \(error)")
        }
        try FileManager.default.createDirectory(at: self.study.url, withIntermediateDirectories: true)
        let store = try StudyStore(directory: self.study.url)
        let context = try ZMQContext()
        let signals = SignalStop()
        let dashboard = try self.startDashboard(
            logger: logger, objective: config.metric, maximize: config.search.direction == .maximize)
        let curve = try self.curve.start(in: context)
        defer { curve?.authenticator.stop() }
        let hangUp = self.curve.reloadOnHangUp(curve?.authenticator, logger: logger)
        defer { withExtendedLifetime(hangUp) {} }
        var settings = config.coordinatorSettings(bindEndpoint: self.bind)
        settings.curve = curve?.server
        settings.liveAllowList = curve?.authenticator.allowList
        settings.sendFilter = try self.chaos.dropper()
        do {
            let service = try CoordinatorService(
                context: context, settings: settings, store: store, proposer: config.proposer, pruner: config.pruner,
                logger: logger)
            try service.run(until: signals.signal)
        } catch CoordinatorError.configurationChanged(let changes) {
            throw CommandFailure(CoordinatorError.configurationChanged(changes).description)
        }
        dashboard?.stop()
        logger.info("coordinator stopped")
    }

    /// Starts the dashboard when `--http` is given.
    private func startDashboard(logger: Logger, objective: String, maximize: Bool) throws -> DashboardServer? {
        guard let address = self.http else { return nil }
        let dashboard = DashboardServer(objective: objective, maximize: maximize)
        let bound = try dashboard.start(
            studyDirectory: self.study.url, bind: address, tokenFile: self.httpTokenFile.map(URL.init(fileURLWithPath:))
        )
        logger.info("dashboard on http://\(bound.host):\(bound.port)/")
        return dashboard
    }
}

/// A failure already explained to the user: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
