import ArgumentParser
import Foundation
import HTTPServing
import MixRec
import MixRecServing

/// `mixrec serve`: a trained run's recommendations as a JSON API over HTTP until SIGINT or SIGTERM.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a trained run's recommendations as a JSON API over HTTP.",
        discussion: """
            Loads the run once (read-only), then answers POST /recommend with {"user": ID, "k": 10} or \
            {"history": [ID, ...], "k": 10} (ids as in the dataset files, history excluded from the results), \
            GET /items/ID, GET /healthz and GET /metrics (Prometheus text). Bad input gets a 400 with \
            {"error": "message"}. SIGINT or SIGTERM stop it.
            """)

    @Option(help: "The run folder written by `mixrec train` or `mixrec export`.")
    var checkpoint: String

    @Option(
        help: "The IPv4 HOST:PORT to listen on (port 0 picks a free one); use 127.0.0.1 unless others must reach it.")
    var http = RecommendationServer.defaultBind

    @Option(help: "A file holding a bearer token every request must carry (Authorization: Bearer TOKEN).")
    var httpTokenFile: String?

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        do { _ = try BindAddress(parsing: self.http) } catch { throw ValidationError("--http: \(error)") }
    }

    func run() throws {
        self.runtime.apply()
        let signals = SignalStop()
        // The token file is read first, so a bad one is reported before the (slow) load.
        let token = try self.httpTokenFile.map { path throws(HTTPServerError) in
            try BearerToken(contentsOf: URL(fileURLWithPath: path))
        }
        let run = try TrainedRun(
            folder: self.checkpoint, overrides: self.overrides, workspace: MixRecWorkspace(log: { Console.note($0) }))
        Console.note("encoding the items of \(self.checkpoint) for ranking")
        let server = RecommendationServer(service: RecommendationService(model: run.model, dataset: run.data.dataset))
        let address = try server.start(bind: self.http, token: token)
        // Unbuffered, so a script reading standard output learns the address at once.
        FileHandle.standardOutput.write(
            Data("serving \(self.checkpoint) on http://\(address)/ (SIGINT or SIGTERM stops)\n".utf8))
        while !signals.signal.isStopped { Thread.sleep(forTimeInterval: 0.1) }
        server.stop()
        Console.note("stopped")
    }
}
