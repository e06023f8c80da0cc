import Foundation

/// A failure of the study store.
public enum StudyStoreError: Error, Equatable, CustomStringConvertible {
    /// SQLite or GRDB failed (`operation` says what the store was doing).
    case database(operation: String, message: String)
    /// A file system call failed with `errno`.
    case io(operation: String, path: String, errno: Int32)
    /// A stored row does not decode (bad JSON or an unknown state name).
    case corruptRow(table: String, key: String, message: String)
    /// Another writable store (a running coordinator) holds the directory's lock file; `pid` is the one it wrote
    /// there (nil if it has not written it yet).
    case inUse(directory: String, lockFile: String, pid: Int32?)

    public var description: String {
        switch self {
        case .database(let operation, let message):
            "study database: \(operation) failed: \(message)"
        case .io(let operation, let path, let code):
            "study directory: \(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .corruptRow(let table, let key, let message):
            "study database: row \(key) of table \(table) is corrupt: \(message)"
        case .inUse(let directory, let lockFile, let pid):
            "study directory \(directory) is in use by coordinator PID \(pid.map(String.init) ?? "unknown") "
                + "(\(lockFile)); stop it first"
        }
    }
}
