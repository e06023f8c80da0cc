import ArgumentParser
import Cluster
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

            While no request waits, the model ranks every known user ahead and keeps their top --cache-k items \
            (the known users' cache: the model is read-only, so these never change); a {"user": ID} request with k \
            up to --cache-k is then answered from memory. GET /healthz shows the progress (cached_users of \
            cacheable_users), and a line is logged when every user is cached. --no-user-cache ranks every request \
            live.
            """)

    @Option(help: "The run folder written by `mixrec train` or `mixrec export`.")
    var checkpoint: String

    @Option(
        help: "The IPv4 HOST:PORT to listen on (port 0 picks a free one); use 127.0.0.1 unless others must reach it.")
    var http = RecommendationServer.defaultBind

    @Option(
        help: ArgumentHelp(
            "A file holding a bearer token every request must carry (Authorization: Bearer TOKEN); required off "
                + "loopback unless --insecure."))
    var httpTokenFile: String?

    @Flag(
        help: ArgumentHelp(
            "Serve a non-loopback --http without a bearer token (logged as a warning): anyone who reaches it can "
                + "query the model. Trusted networks only."))
    var insecure = false

    @Option(name: .customLong("set"), help: "Override a key of the run's config, e.g. --set data.path=DIR.")
    var overrides: [String] = []

    @Option(
        help: """
            The items kept per known user in the cache: {"user": ID} requests with k up to this are answered from \
            memory once the user is cached; larger k are ranked live.
            """)
    var cacheK = UserCacheOptions.defaultDepth

    @Flag(help: "Rank every request live: no known users' cache (it takes one ranking pass over all users while idle).")
    var noUserCache = false

    @OptionGroup var runtime: RuntimeOptions

    @OptionGroup var textCache: TextCacheOptions

    /// The recommendation API as an unprotected listener, if it is one.
    private func unprotectedListeners() throws -> [UnprotectedListener] {
        try UnprotectedListener.listening(
            on: self.http, option: "--http", token: self.httpTokenFile != nil, as: UnprotectedListener.recommendations)
    }

    func validate() throws {
        try UnprotectedListener.refuse(
            try self.unprotectedListeners(), insecure: self.insecure, tokenOption: "--http-token-file")
        guard self.cacheK >= 1 else { throw ValidationError("--cache-k must be at least 1, not \(self.cacheK)") }
    }

    func run() throws {
        self.runtime.apply()
        for listener in try self.unprotectedListeners() {
            Console.note("warning: --insecure: serving \(listener)")
        }
        let signals = SignalStop()
        // The token file is read first, so a bad one is reported before the (slow) load.
        let token = try self.httpTokenFile.map { path throws(HTTPServerError) in
            try BearerToken(contentsOf: URL(fileURLWithPath: path))
        }
        let run = try TrainedRun(
            folder: self.checkpoint, overrides: self.overrides,
            workspace: self.textCache.workspace(log: { Console.note($0) }))
        Console.note("encoding the items of \(self.checkpoint) for ranking")
        let server = RecommendationServer(
            service: RecommendationService(model: run.model, dataset: run.data.dataset, userCache: self.userCache()))
        let address = try server.start(bind: self.http, token: token)
        // Unbuffered, so a script reading standard output learns the address at once.
        FileHandle.standardOutput.write(
            Data("serving \(self.checkpoint) on http://\(address)/ (SIGINT or SIGTERM stops)\n".utf8))
        while !signals.signal.isStopped { Thread.sleep(forTimeInterval: 0.1) }
        server.stop()
        Console.note("stopped")
    }

    /// The known users' cache asked for, logging when it is complete; nil with `--no-user-cache`.
    private func userCache() -> UserCacheOptions? {
        guard !self.noUserCache else { return nil }
        let depth = self.cacheK
        Console.note("caching every known user's top \(depth) while idle (--no-user-cache turns this off)")
        return UserCacheOptions(depth: depth) { progress in
            guard progress.isComplete else { return }
            Console.note(
                String(
                    format: "known users' cache complete: %d users' top %d in %.1f s", progress.total, depth,
                    progress.seconds))
        }
    }
}
