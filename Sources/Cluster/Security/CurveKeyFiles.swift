import Foundation
import ZeroMQ

/// Why key files could not be written or read.
public enum CurveKeyFileError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case unreadable(String)
    case malformed(path: String, line: Int)
    case io(String)
    case noKeys(String)
    case badBinding(path: String, line: Int)
    case conflictingBindings(key: String, workerIDs: [String])

    public var description: String {
        switch self {
        case .exists(let path): "\(path) exists; refusing to overwrite a key"
        case .unreadable(let path): "cannot read key file \(path)"
        case .malformed(let path, let line): "\(path):\(line): not a 40-character Z85 CURVE key"
        case .io(let reason): "key file I/O failed: \(reason)"
        case .noKeys(let path): "\(path) holds no CURVE public key"
        case .badBinding(let path, let line): "\(path):\(line): `worker=` needs a worker id after it"
        case .conflictingBindings(let key, let workerIDs):
            "the allow-list binds key \(key) to more than one worker id: \(workerIDs.joined(separator: ", "))"
        }
    }
}

/// Key pairs on disk: `<name>.public` and `<name>.secret`, each one Z85 line, both created with mode 0600.
/// Allow-lists are text files with one Z85 public key per line, optionally followed by `worker=ID` (the only worker
/// id the key may register as) and then by a note; lines that are blank or start with `# ` are comments.
public enum CurveKeyFiles {
    /// Writes `keys` as `directory/name.public` and `directory/name.secret` (the directory is created).
    /// - Returns: the two paths.
    /// - Throws: `CurveKeyFileError.exists` rather than overwrite a key, `.io` otherwise.
    @discardableResult
    public static func write(_ keys: CurveKeyPair, directory: String, name: String) throws(CurveKeyFileError)
        -> (publicPath: String, secretPath: String)
    {
        let manager = FileManager.default
        let paths = (publicPath: "\(directory)/\(name).public", secretPath: "\(directory)/\(name).secret")
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("create \(directory): \(error)")
        }
        for (path, key) in [(paths.publicPath, keys.publicKey), (paths.secretPath, keys.secretKey)] {
            try self.createPrivate(path, contents: Array((key + "\n").utf8))
        }
        return paths
    }

    /// Creates `path` with mode 0600 from the start (never readable by others, not even for a moment) and writes
    /// `contents`. `O_EXCL` refuses any existing entry, a symbolic link included, so a link planted at the path
    /// cannot redirect the secret elsewhere.
    private static func createPrivate(_ path: String, contents: [UInt8]) throws(CurveKeyFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .exists(path) }
            throw .io("create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = contents.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(descriptor) == 0 else {
            throw .io("write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the key pair `directory/name.{public,secret}`.
    public static func read(directory: String, name: String) throws(CurveKeyFileError) -> CurveKeyPair {
        try self.read(stem: "\(directory)/\(name)")
    }

    /// Reads the key pair `stem.public` and `stem.secret`.
    static func read(stem: String) throws(CurveKeyFileError) -> CurveKeyPair {
        let publicKey = try self.keys(in: "\(stem).public").first
        let secretKey = try self.keys(in: "\(stem).secret").first
        guard let publicKey, let secretKey, let pair = try? CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
        else { throw .malformed(path: stem, line: 1) }
        return pair
    }

    /// Reads a public key file or an allow-list: every non-empty, non-comment line must be a Z85 key.
    public static func keys(in path: String) throws(CurveKeyFileError) -> [String] {
        try self.entries(in: path).map(\.key)
    }

    /// Reads the lines of a public key file or an allow-list: each key, and the worker id a `worker=ID` after it
    /// binds the key to.
    static func entries(in path: String) throws(CurveKeyFileError) -> [(key: String, workerID: String?)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .unreadable(path) }
        var entries: [(key: String, workerID: String?)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            // Z85 keys may contain `#` but never a space, so only `#` alone or `# …` starts a comment.
            if line.isEmpty || line == "#" || line.hasPrefix("# ") { continue }
            let words = line.split(whereSeparator: \.isWhitespace)
            let key = String(words[0])
            guard ZMQCurve.decode(key) != nil else { throw .malformed(path: path, line: index + 1) }
            var workerID: String?
            if words.count > 1, words[1].hasPrefix("worker=") {
                workerID = String(words[1].dropFirst("worker=".count))
                guard workerID?.isEmpty == false else { throw .badBinding(path: path, line: index + 1) }
            }
            entries.append((key, workerID))
        }
        return entries
    }
}
