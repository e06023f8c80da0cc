import ArgumentParser
import Foundation
import Testing

@testable import MixRecCLI

/// `mixrec coordinator` off loopback: CURVE for the worker socket and a token for the dashboard, or `--insecure`.
@Suite struct CoordinatorExposureTests {
    private let folder = NSTemporaryDirectory() + "mixrec-exposure-\(UUID().uuidString.prefix(8))"

    /// Parses `mixrec coordinator` with `arguments` after the required config and study options.
    private func parse(_ arguments: [String]) throws -> CoordinatorCommand {
        try CoordinatorCommand.parse(["--config", "study.yaml", "--study-dir", self.folder] + arguments)
    }

    /// The message `mixrec coordinator` prints when `arguments` are refused, nil when they are accepted.
    private func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try self.parse(arguments)
            return nil
        } catch {
            return CoordinatorCommand.message(for: error)
        }
    }

    /// Keys as `mixrec keys generate` writes them: the coordinator's pair and a worker's, whose public key file
    /// serves as the allow-list.
    private func curveOptions() throws -> [String] {
        for name in ["coordinator", "w1"] {
            let generate = try KeysCommand.Generate.parse(["--out", self.folder, "--name", name])
            try generate.run()
        }
        return ["--curve-keys", "\(self.folder)/coordinator", "--curve-allow", "\(self.folder)/w1.public"]
    }

    @Test func loopbackNeedsNeitherKeysNorAToken() {
        #expect(self.refusal([]) == nil, "the defaults")
        #expect(self.refusal(["--bind", "tcp://127.0.0.1:6000", "--http", "127.0.0.1:8080"]) == nil)
        #expect(self.refusal(["--bind", "tcp://localhost:*", "--http", "localhost:0"]) == nil)
        #expect(self.refusal(["--bind", "ipc:///tmp/mixrec.sock"]) == nil)
    }

    @Test func aNonLoopbackBindWithoutKeysIsRefusedNamingBothWaysOut() throws {
        for bind in ["tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://10.0.0.1:5555", "tcp://eth0:5555"] {
            let message = try #require(self.refusal(["--bind", bind]), "\(bind)")
            #expect(message.contains("workers on \(bind) without CURVE"))
            #expect(message.contains("--curve-keys") && message.contains("--insecure"))
            #expect(!message.contains("the dashboard on"))
        }
    }

    @Test func aNonLoopbackDashboardWithoutATokenIsRefused() throws {
        let message = try #require(self.refusal(["--http", "0.0.0.0:8080"]))
        #expect(message.contains("the dashboard on 0.0.0.0:8080 without a bearer token"))
        #expect(message.contains("--http-token-file") && message.contains("--insecure"))
        #expect(self.refusal(["--http", "0.0.0.0:8080", "--http-token-file", "token"]) == nil)
        #expect(self.refusal(["--http", "nowhere"])?.contains("is not HOST:PORT") == true)
    }

    @Test func curveKeysAcceptANonLoopbackBind() throws {
        defer { try? FileManager.default.removeItem(atPath: self.folder) }
        let curve = try self.curveOptions()
        #expect(self.refusal(["--bind", "tcp://0.0.0.0:5555"] + curve) == nil)
        let message = try #require(self.refusal(["--bind", "tcp://0.0.0.0:5555", "--http", "0.0.0.0:8080"] + curve))
        #expect(message.contains("the dashboard") && !message.contains("workers on"), "CURVE does not cover HTTP")
    }

    @Test func insecureAcceptsEverythingAndTheCommandStillKnowsWhatIsOpen() throws {
        let command = try self.parse(["--bind", "tcp://0.0.0.0:5555", "--http", "0.0.0.0:8080", "--insecure"])
        #expect(command.insecure)
        let open = try UnprotectedListener.among(bind: command.bind, curve: false, http: command.http, token: false)
        #expect(open == [.workers(endpoint: "tcp://0.0.0.0:5555"), .dashboard(address: "0.0.0.0:8080")])
    }
}
