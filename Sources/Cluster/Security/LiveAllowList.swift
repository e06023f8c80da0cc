import Synchronization

/// The CURVE allow-list in force, shared by the threads that read it and the one that replaces it: the ZAP handler
/// checks each handshake against it, the coordinator each message, and a reload (SIGHUP, see
/// ``CurveAllowListReloader``) replaces it as a whole. Every replacement bumps ``version``, so a reader that keeps
/// the version it last acted on learns cheaply that keys may have been revoked since.
public final class LiveAllowList: Sendable {
    private let state: Mutex<(list: CurveAllowList, version: Int)>

    /// Starts with `list` at version 0.
    public init(_ list: CurveAllowList) {
        self.state = Mutex((list, 0))
    }

    /// The allow-list now in force.
    public var current: CurveAllowList { self.state.withLock { $0.list } }

    /// How many times the list was replaced.
    public var version: Int { self.state.withLock { $0.version } }

    /// The list and its version, read together.
    public var snapshot: (list: CurveAllowList, version: Int) { self.state.withLock { $0 } }

    /// Puts `list` in force (new handshakes and messages see it at once).
    public func replace(with list: CurveAllowList) {
        self.state.withLock { $0 = (list, $0.version + 1) }
    }
}
