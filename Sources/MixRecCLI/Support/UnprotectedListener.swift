import HTTPServing

/// A listener of `mixrec coordinator` that other machines can reach without authenticating.
enum UnprotectedListener: Equatable, CustomStringConvertible {
    /// The worker socket (`--bind`) off loopback without CURVE.
    case workers(endpoint: String)
    /// The dashboard (`--http`) off loopback without a bearer token.
    case dashboard(address: String)

    /// The unprotected listeners among `bind` (with or without CURVE) and `http` (with or without a token).
    /// - Throws: ``HTTPServerError/badAddress(_:)`` when `http` is not `HOST:PORT`.
    static func among(bind: String, curve: Bool, http: String?, token: Bool) throws(HTTPServerError) -> [Self] {
        var listeners: [Self] = []
        if !curve && !Self.isLoopback(endpoint: bind) { listeners.append(.workers(endpoint: bind)) }
        if let http, !token, !(try BindAddress(parsing: http)).isLoopback {
            listeners.append(.dashboard(address: http))
        }
        return listeners
    }

    /// Whether a ZeroMQ endpoint accepts connections from this machine only: `ipc://`, `inproc://`, or `tcp://`
    /// on a loopback address (see ``BindAddress/isLoopback(host:)``).
    static func isLoopback(endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let address = endpoint.dropFirst("tcp://".count)
        guard let colon = address.lastIndex(of: ":") else { return false }
        return BindAddress.isLoopback(host: String(address[..<colon]))
    }

    var description: String {
        switch self {
        case .workers(let endpoint):
            "workers on \(endpoint) without CURVE: anyone who reaches it can register as a worker, receive trial "
                + "configs and checkpoints, and report results"
        case .dashboard(let address):
            "the dashboard on \(address) without a bearer token: anyone who reaches it can read the study"
        }
    }
}

/// `mixrec coordinator` would serve other machines without authentication and `--insecure` was not given.
struct UnprotectedListenersError: Error, CustomStringConvertible {
    var listeners: [UnprotectedListener]

    var description: String {
        "refusing to serve off loopback without authentication:\n"
            + self.listeners.map { "  - \($0)\n" }.joined()
            + "Either protect them (CURVE: `mixrec keys generate`, then --curve-keys and --curve-allow; the dashboard: "
            + "--http-token-file; see cluster/README.md, \"Security\"), bind 127.0.0.1, or pass --insecure to serve "
            + "them unauthenticated on a network you trust."
    }
}
