import ArgumentParser
import HTTPServing

/// A listener of a `mixrec` command that other machines can reach without authenticating: `mixrec coordinator`'s
/// worker socket and dashboard, `mixrec report --serve`'s dashboard, `mixrec serve`'s recommendation API. Each
/// command refuses to open one unless `--insecure` is given (``refuse(_:insecure:tokenOption:)``).
enum UnprotectedListener: Equatable, CustomStringConvertible {
    /// The worker socket (`--bind`) off loopback without CURVE.
    case workers(endpoint: String)
    /// A study's dashboard off loopback without a bearer token.
    case dashboard(address: String)
    /// `mixrec serve`'s recommendation API off loopback without a bearer token.
    case recommendations(address: String)

    /// The unprotected listeners among `bind` (with or without CURVE) and `http` (with or without a token).
    /// - Throws: ``HTTPServerError/badAddress(_:)`` when `http` is not `HOST:PORT`.
    static func among(bind: String, curve: Bool, http: String?, token: Bool) throws(HTTPServerError) -> [Self] {
        var listeners: [Self] = []
        if !curve && !Self.isLoopback(endpoint: bind) { listeners.append(.workers(endpoint: bind)) }
        if let dashboard = try Self.http(http, token: token, as: Self.dashboard) { listeners.append(dashboard) }
        return listeners
    }

    /// The HTTP listener on `address` made by `listener` when it is off loopback without a token; nil when it is
    /// protected, on loopback, or not asked for.
    /// - Throws: ``HTTPServerError/badAddress(_:)`` when `address` is not `HOST:PORT`.
    static func http(_ address: String?, token: Bool, as listener: (String) -> Self) throws(HTTPServerError) -> Self? {
        guard let address, !token, !(try BindAddress(parsing: address)).isLoopback else { return nil }
        return listener(address)
    }

    /// ``http(_:token:as:)`` for a command's HTTP option: a list of the one listener or none.
    /// - Throws: `ValidationError` naming `option` when `address` is not `HOST:PORT`.
    static func listening(on address: String?, option: String, token: Bool, as listener: (String) -> Self)
        throws(ValidationError) -> [Self]
    {
        do {
            return try Self.http(address, token: token, as: listener).map { [$0] } ?? []
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }

    /// Throws unless `listeners` is empty or `insecure` allows them.
    /// - Parameter tokenOption: the command's option naming a bearer token file (for the error's advice).
    static func refuse(_ listeners: [Self], insecure: Bool, tokenOption: String) throws(UnprotectedListenersError) {
        guard insecure || listeners.isEmpty else {
            throw UnprotectedListenersError(listeners: listeners, tokenOption: tokenOption)
        }
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

    /// Whether a bearer token protects this listener (rather than CURVE).
    var isHTTP: Bool {
        if case .workers = self { return false }
        return true
    }

    var description: String {
        switch self {
        case .workers(let endpoint):
            "workers on \(endpoint) without CURVE: anyone who reaches it can register as a worker, receive trial "
                + "configs and checkpoints, and report results"
        case .dashboard(let address):
            "the dashboard on \(address) without a bearer token: anyone who reaches it can read the study"
        case .recommendations(let address):
            "the recommendation API on \(address) without a bearer token: anyone who reaches it can query the "
                + "model and read the item catalogue"
        }
    }
}

/// A `mixrec` command would serve other machines without authentication and `--insecure` was not given.
struct UnprotectedListenersError: Error, CustomStringConvertible {
    var listeners: [UnprotectedListener]
    /// The command's option naming a bearer token file.
    var tokenOption = "--http-token-file"

    var description: String {
        var remedies: [String] = []
        if self.listeners.contains(where: { !$0.isHTTP }) {
            remedies.append("CURVE: `mixrec keys generate`, then --curve-keys and --curve-allow")
        }
        if self.listeners.contains(where: \.isHTTP) {
            remedies.append("HTTP: a bearer token with \(self.tokenOption)")
        }
        return "refusing to serve off loopback without authentication:\n"
            + self.listeners.map { "  - \($0)\n" }.joined()
            + "Either protect them (\(remedies.joined(separator: "; ")); see cluster/README.md, \"Security\"), bind "
            + "127.0.0.1, or pass --insecure to serve them unauthenticated on a network you trust."
    }
}
