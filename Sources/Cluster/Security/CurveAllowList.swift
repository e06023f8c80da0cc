/// The client keys a CURVE server admits. The coordinator's may bind a key to one worker id (`KEY worker=ID` in the
/// allow-list file): a worker presenting that key registers only under that id. A key without a binding is admitted
/// under any id, and the coordinator logs which.
public struct CurveAllowList: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The admitted Z85 public keys.
    public private(set) var keys: Set<String>
    /// The worker id each bound key registers as.
    public private(set) var workerIDs: [String: String]

    /// - Parameters:
    ///   - keys: the admitted keys.
    ///   - workerIDs: the worker id of each bound key (every one of them also in `keys`).
    public init(keys: Set<String>, workerIDs: [String: String] = [:]) {
        self.keys = keys.union(workerIDs.keys)
        self.workerIDs = workerIDs
    }

    /// Admits `keys`, none of them bound.
    public init(arrayLiteral keys: String...) {
        self.init(keys: Set(keys))
    }
}
