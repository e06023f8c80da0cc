import ArgumentParser
import Cluster
import Foundation
import Logging
import ZeroMQ

/// `mixrec coordinator`: runs a study's search, serving workers on a ROUTER socket until the budget is used.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a study: propose trials, assign them to workers, record everything in the study directory.")

    @Option(help: "The study config (YAML, see configs/README.md).")
    var config: String

    @OptionGroup var study: StudyDirectoryOption

    @Option(help: "ZeroMQ endpoint to serve workers on (loopback unless told otherwise).")
    var bind = "tcp://127.0.0.1:5555"

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        self.logging.bootstrap()
        let logger = Logger(label: "mixrec.coordinator")
        let config: StudyConfig
        do {
            config = try StudyConfig(contentsOf: self.config)
        } catch {
            throw ValidationError("\(self.config): \(error)")
        }
        try FileManager.default.createDirectory(at: self.study.url, withIntermediateDirectories: true)
        let store = try StudyStore(directory: self.study.url)
        let context = try ZMQContext()
        let signals = SignalStop()
        do {
            let service = try CoordinatorService(
                context: context, settings: config.coordinatorSettings(bindEndpoint: self.bind), store: store,
                proposer: UniformProposer(space: config.space, seed: config.seed), pruner: ConfiguredPruner(config),
                logger: logger)
            try service.run(until: signals.signal)
        } catch CoordinatorError.configurationChanged(let changes) {
            throw CommandFailure(CoordinatorError.configurationChanged(changes).description)
        }
        logger.info("coordinator stopped")
    }
}

/// A failure already explained to the user: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
