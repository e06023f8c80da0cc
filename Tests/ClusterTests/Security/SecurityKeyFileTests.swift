import Foundation
import Testing
import ZeroMQ

@testable import Cluster

@Suite("CURVE key files", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityKeyFileTests {
    @Test("generated keys round-trip through 0600 files and are never overwritten")
    func roundTrip() throws {
        let folder = NSTemporaryDirectory() + "mixrec-keys-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keys = try CurveKeyPair.generate()
        #expect(keys.publicKey.count == 40 && keys.secretKey.count == 40 && keys.publicKey != keys.secretKey)
        let paths = try CurveKeyFiles.write(keys, directory: folder, name: "worker")
        for path in [paths.publicPath, paths.secretPath] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(path)")
        }
        #expect(try CurveKeyFiles.read(directory: folder, name: "worker") == keys)
        #expect(throws: CurveKeyFileError.exists(paths.publicPath)) {
            try CurveKeyFiles.write(keys, directory: folder, name: "worker")
        }
    }

    @Test("a symbolic link planted at a key's path is refused, not followed")
    func plantedLink() throws {
        let folder = NSTemporaryDirectory() + "mixrec-keys-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = folder + "/elsewhere"
        try FileManager.default.createSymbolicLink(atPath: folder + "/worker.public", withDestinationPath: target)
        #expect(throws: CurveKeyFileError.exists(folder + "/worker.public")) {
            try CurveKeyFiles.write(try CurveKeyPair.generate(), directory: folder, name: "worker")
        }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    /// Runs `body` with the path of an allow-list in a fresh folder (removed afterwards) and two key pairs.
    private func withAllowList(_ body: (String, CurveKeyPair, CurveKeyPair) throws -> Void) throws {
        let folder = NSTemporaryDirectory() + "mixrec-allow-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(folder + "/allow", try CurveKeyPair.generate(), try CurveKeyPair.generate())
    }

    @Test("allow-lists skip comments and blank lines and reject malformed keys with the line number")
    func allowList() throws {
        try self.withAllowList { path, first, second in
            try "# workers\n\(first.publicKey)  node 1\n\n\(second.publicKey)\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            #expect(try CurveKeyFiles.keys(in: path) == [first.publicKey, second.publicKey])
            try "\(first.publicKey)\nnot-a-key\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: CurveKeyFileError.malformed(path: path, line: 2)) { try CurveKeyFiles.keys(in: path) }
        }
    }

    @Test("an allow-list line may bind its key to a worker id with worker=ID; a note without it binds nothing")
    func allowListBindings() throws {
        try self.withAllowList { path, first, second in
            try "\(first.publicKey) worker=w1 laptop\n\(second.publicKey)  node 2\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            #expect(
                try CurveKeyFiles.allowList(at: path)
                    == CurveAllowList(keys: [second.publicKey], workerIDs: [first.publicKey: "w1"]))
            try "\(first.publicKey) worker=\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: CurveKeyFileError.badBinding(path: path, line: 1)) { try CurveKeyFiles.allowList(at: path) }
            try "\(first.publicKey) worker=w1\n\(first.publicKey) worker=w2\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: CurveKeyFileError.conflictingBindings(key: first.publicKey, workerIDs: ["w1", "w2"])) {
                try CurveKeyFiles.allowList(at: path)
            }
        }
    }
}
