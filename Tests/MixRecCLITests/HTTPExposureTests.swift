import ArgumentParser
import Testing

@testable import MixRecCLI

/// `mixrec serve` and `mixrec report --serve` off loopback: a bearer token, or `--insecure`.
@Suite struct HTTPExposureTests {
    /// The message `Command` prints when `arguments` are refused, nil when they are accepted.
    private func refusal<Command: ParsableCommand>(_ command: Command.Type, _ arguments: [String]) -> String? {
        do {
            _ = try command.parse(arguments)
            return nil
        } catch {
            return command.message(for: error)
        }
    }

    @Test func serveOffLoopbackNeedsATokenOrInsecure() throws {
        let run = ["--checkpoint", "run"]
        #expect(self.refusal(ServeCommand.self, run) == nil, "the default, 127.0.0.1")
        #expect(self.refusal(ServeCommand.self, run + ["--http", "localhost:0"]) == nil)
        let message = try #require(self.refusal(ServeCommand.self, run + ["--http", "0.0.0.0:8090"]))
        #expect(message.contains("the recommendation API on 0.0.0.0:8090 without a bearer token"))
        #expect(message.contains("--http-token-file") && message.contains("--insecure"))
        #expect(!message.contains("--curve-keys"), "CURVE has nothing to do with HTTP")
        #expect(self.refusal(ServeCommand.self, run + ["--http", "0.0.0.0:8090", "--http-token-file", "t"]) == nil)
        #expect(self.refusal(ServeCommand.self, run + ["--http", "0.0.0.0:8090", "--insecure"]) == nil)
        #expect(self.refusal(ServeCommand.self, run + ["--http", "nowhere"])?.contains("--http: ") == true)
    }

    @Test func reportServeOffLoopbackNeedsATokenOrInsecure() throws {
        let study = ["--study-dir", "study"]
        #expect(self.refusal(ReportCommand.self, study + ["--serve", "127.0.0.1:8080"]) == nil)
        #expect(self.refusal(ReportCommand.self, study + ["--out", "report.html"]) == nil, "nothing served")
        let message = try #require(self.refusal(ReportCommand.self, study + ["--serve", "10.0.0.5:8080"]))
        #expect(message.contains("the dashboard on 10.0.0.5:8080 without a bearer token"))
        #expect(message.contains("--token-file") && message.contains("--insecure"))
        #expect(self.refusal(ReportCommand.self, study + ["--serve", "10.0.0.5:8080", "--token-file", "t"]) == nil)
        #expect(self.refusal(ReportCommand.self, study + ["--serve", "10.0.0.5:8080", "--insecure"]) == nil)
        #expect(self.refusal(ReportCommand.self, study + ["--serve", "8080"])?.contains("--serve: ") == true)
    }
}
