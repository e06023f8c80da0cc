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

    @Test("allow-lists skip comments and blank lines and reject malformed keys with the line number")
    func allowList() throws {
        let folder = NSTemporaryDirectory() + "mixrec-allow-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (first, second) = (try CurveKeyPair.generate(), try CurveKeyPair.generate())
        let path = folder + "/allow"
        try "# workers\n\(first.publicKey)  node 1\n\n\(second.publicKey)\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(try CurveKeyFiles.keys(in: path) == [first.publicKey, second.publicKey])
        try "\(first.publicKey)\nnot-a-key\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: CurveKeyFileError.malformed(path: path, line: 2)) { try CurveKeyFiles.keys(in: path) }
    }
}
