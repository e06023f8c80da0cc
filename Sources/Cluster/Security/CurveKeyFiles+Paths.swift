import Foundation
import ZeroMQ

// MARK: - Keys named on the command line

extension CurveKeyFiles {
    /// Reads a key pair given as a path: `PATH.public` and `PATH.secret`, or, when `path` is a directory,
    /// `PATH/NAME.public` and `PATH/NAME.secret` with `NAME` = `defaultName` (as `mixrec keys generate` writes).
    /// - Throws: `CurveKeyFileError.unreadable` naming the missing file, `.malformed` for a bad key.
    public static func pair(at path: String, defaultName: String) throws(CurveKeyFileError) -> CurveKeyPair {
        try Self.read(stem: Self.isDirectory(path) ? "\(path)/\(defaultName)" : path)
    }

    /// Reads an allow-list given as a path: a file of keys (see `entries(in:)`), or a directory whose `*.public`
    /// files each hold one or more keys.
    /// - Throws: `CurveKeyFileError.noKeys` when it lists no key at all (which would lock every worker out),
    ///   `.conflictingBindings` when it binds one key to two worker ids.
    public static func allowList(at path: String) throws(CurveKeyFileError) -> CurveAllowList {
        var entries: [(key: String, workerID: String?)] = []
        if Self.isDirectory(path) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names.sorted() where name.hasSuffix(".public") {
                entries += try Self.entries(in: "\(path)/\(name)")
            }
        } else {
            entries = try Self.entries(in: path)
        }
        guard !entries.isEmpty else { throw .noKeys(path) }
        var workerIDs: [String: Set<String>] = [:]
        for case (let key, let workerID?) in entries { workerIDs[key, default: []].insert(workerID) }
        if let (key, ids) = workerIDs.first(where: { $0.value.count > 1 }) {
            throw .conflictingBindings(key: key, workerIDs: ids.sorted())
        }
        return CurveAllowList(keys: Set(entries.map(\.key)), workerIDs: workerIDs.compactMapValues(\.first))
    }

    /// Reads a public key file (the first key in it), such as the coordinator's `coordinator.public`.
    /// - Throws: `CurveKeyFileError.noKeys` for a file without a key.
    public static func publicKey(at path: String) throws(CurveKeyFileError) -> String {
        guard let key = try Self.keys(in: path).first else { throw .noKeys(path) }
        return key
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
