import Logging

/// Rereads a coordinator's allow-list file (`--curve-allow`) into the ``LiveAllowList`` in force, as SIGHUP asks.
///
/// A reload either puts the whole new list in force or changes nothing: a file that cannot be read, holds a bad
/// line, binds a key to two worker ids or lists no key at all keeps the previous list (never an empty one, which
/// would lock everyone out, and never a partial one), and the error is logged with the reason. Keys that are gone
/// lose their access at once: new handshakes are refused by the ZAP handler, and the coordinator refuses the
/// messages of connections made with them, ends their workers' runs as lost and closes those connections (see
/// `CoordinatorService.closeEveryConnection()`).
public struct CurveAllowListReloader: Sendable {
    /// The allow-list file or directory (see ``CurveKeyFiles/allowList(at:)``).
    public let path: String
    /// The list the ZAP handler and the coordinator read.
    public let live: LiveAllowList
    let logger: Logger

    public init(path: String, live: LiveAllowList, logger: Logger = Logger(label: "mixrec.coordinator")) {
        self.path = path
        self.live = live
        self.logger = logger
    }

    /// Rereads the file; puts it in force when it is valid, logs and keeps the previous list when not.
    /// - Returns: the list now in force, or why the file was refused (the previous list then stays).
    @discardableResult
    public func reload() -> Result<CurveAllowList, CurveKeyFileError> {
        let previous = self.live.current
        let next: CurveAllowList
        do {
            next = try CurveKeyFiles.allowList(at: self.path)
        } catch {
            self.logger.error(
                "could not reload the CURVE allow-list; the previous one stays in force",
                metadata: ["path": "\(self.path)", "error": "\(error)", "keys": "\(previous.keys.count)"])
            return .failure(error)
        }
        self.live.replace(with: next)
        let removed = previous.keys.subtracting(next.keys).count
        let rebound = previous.keys.intersection(next.keys).filter { previous.workerIDs[$0] != next.workerIDs[$0] }
        self.logger.notice(
            "reloaded the CURVE allow-list",
            metadata: [
                "path": "\(self.path)", "keys": "\(next.keys.count)",
                "added": "\(next.keys.subtracting(previous.keys).count)", "removed": "\(removed)",
                "rebound": "\(rebound.count)",
            ])
        return .success(next)
    }
}
