import Foundation
import Logging
import Testing
import ZeroMQ

@testable import Cluster

/// `CurveAllowListReloader`: a valid file replaces the list in force; anything else keeps it and logs why.
@Suite("CURVE allow-list reload", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct AllowListReloadTests {
    private let directory: StudyDirectory
    private let path: String
    private let keys: [CurveKeyPair]

    init() throws {
        self.directory = try StudyDirectory()
        self.path = self.directory.url.appendingPathComponent("allow").path
        self.keys = try (0..<3).map { _ in try CurveKeyPair.generate() }
    }

    private func write(_ text: String) throws {
        try text.write(toFile: self.path, atomically: true, encoding: .utf8)
    }

    @Test func aValidFileReplacesTheListAndLogsWhatChanged() throws {
        try self.write("\(self.keys[0].publicKey) worker=w1\n\(self.keys[1].publicKey)\n")
        let live = LiveAllowList(try CurveKeyFiles.allowList(at: self.path))
        let log = CapturedLog()
        let reloader = CurveAllowListReloader(path: self.path, live: live, logger: log.logger)

        try self.write("# w1 is gone, w3 arrives\n\(self.keys[1].publicKey)\n\(self.keys[2].publicKey) worker=w3\n")
        let reloaded = try reloader.reload().get()
        #expect(live.current == reloaded && live.version == 1)
        #expect(reloaded.keys == [self.keys[1].publicKey, self.keys[2].publicKey])
        #expect(reloaded.workerIDs == [self.keys[2].publicKey: "w3"])
        let notice = try #require(log.texts(at: .notice).first)
        #expect(notice.contains("reloaded the CURVE allow-list") && notice.contains("added=1"))
        #expect(notice.contains("removed=1") && notice.contains("keys=2"))
    }

    @Test func aBadFileKeepsThePreviousListAndLogsWhy() throws {
        try self.write("\(self.keys[0].publicKey) worker=w1\n")
        let before = try CurveKeyFiles.allowList(at: self.path)
        let live = LiveAllowList(before)
        let log = CapturedLog()
        let reloader = CurveAllowListReloader(path: self.path, live: live, logger: log.logger)
        let bad: [(text: String?, error: CurveKeyFileError)] = [
            ("# every key removed by mistake\n\n", .noKeys(self.path)),
            ("\(self.keys[1].publicKey)\nnot-a-key\n", .malformed(path: self.path, line: 2)),
            ("\(self.keys[1].publicKey) worker=\n", .badBinding(path: self.path, line: 1)),
            (
                "\(self.keys[1].publicKey) worker=a\n\(self.keys[1].publicKey) worker=b\n",
                .conflictingBindings(key: self.keys[1].publicKey, workerIDs: ["a", "b"])
            ),
            (nil, .unreadable(self.path)),
        ]
        for (text, error) in bad {
            if let text {
                try self.write(text)
            } else {
                try FileManager.default.removeItem(atPath: self.path)
            }
            #expect(throws: error) { try reloader.reload().get() }
            #expect(live.current == before && live.version == 0, "\(error): the old list stays, never an empty one")
        }
        let errors = log.texts(at: .error)
        #expect(errors.count == bad.count)
        for (logged, (_, error)) in zip(errors, bad) {
            #expect(logged.contains("the previous one stays in force") && logged.contains("error=\(error)"))
        }
    }
}
