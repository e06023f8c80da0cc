import Foundation

/// The built `mixrec` executable next to the test bundle (`.build/debug/mixrec`), and processes started from it.
enum MixRecBinary {
    /// The root of this checkout.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/mixrec` of this checkout, nil when it has not been built.
    static let url: URL? = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("mixrec"),
            Self.repositoryRoot.appendingPathComponent(".build/debug/mixrec"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    static var available: Bool { self.url != nil }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, released).
    static func freePort() -> Int {
        let handle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(handle) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(handle, raw, length) == 0 ? getsockname(handle, raw, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A `mixrec` subprocess whose output goes to a log file; killed (SIGKILL) when dropped if still running.
final class MixRecProcess {
    let process = Process()
    let log: URL

    init(_ arguments: [String], log: URL) throws {
        guard let binary = MixRecBinary.url else { throw MissingBinary() }
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        self.process.executableURL = binary
        self.process.arguments = arguments
        self.process.standardOutput = handle
        self.process.standardError = handle
        try self.process.run()
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "no .build/debug/mixrec: run `swift build --product mixrec` first" }
    }

    /// kill -9.
    func kill() {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
        self.process.waitUntilExit()
    }

    /// Sends SIGTERM (a graceful stop).
    func terminate() {
        self.process.terminate()
    }

    /// Waits up to `seconds` for the process to exit; returns its status, nil if it is still running.
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while self.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return self.process.isRunning ? nil : self.process.terminationStatus
    }

    var output: String { (try? String(contentsOf: self.log, encoding: .utf8)) ?? "" }

    deinit {
        if self.process.isRunning { Foundation.kill(self.process.processIdentifier, SIGKILL) }
    }
}
