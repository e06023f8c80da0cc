import ZeroMQ

/// CURVE for a socket that binds (the coordinator's ROUTER). Which clients may connect is decided by a
/// `ZAPAuthenticator` running in the same context with `allowList`; the coordinator also checks the worker ids
/// it binds.
public struct CurveServerSettings: Sendable, Equatable {
    /// The server's key pair; clients are configured with its public key.
    public var keys: CurveKeyPair
    /// The worker public keys admitted, and the worker id each bound one registers as.
    public var allowList: CurveAllowList

    public init(keys: CurveKeyPair, allowList: CurveAllowList) {
        self.keys = keys
        self.allowList = allowList
    }
}

/// CURVE for a socket that connects (a worker's DEALER).
public struct CurveClientSettings: Sendable, Equatable {
    /// The client's own key pair; its public key must be on the server's allow-list.
    public var keys: CurveKeyPair
    /// The public key of the server it connects to.
    public var serverPublicKey: String

    public init(keys: CurveKeyPair, serverPublicKey: String) {
        self.keys = keys
        self.serverPublicKey = serverPublicKey
    }
}

/// CURVE for all-reduce ring links. Every worker of a cluster holds the same ring key pair: it binds its ring
/// socket as a CURVE server with it and connects to its neighbour as a CURVE client with it, and its ZAP handler
/// (a `ZAPAuthenticator` with the ring public key as its allow-list) admits only clients presenting that key. CURVE proves
/// that a client holds the matching secret key, so only holders of `ring.secret` can join a ring.
public struct RingCurveSettings: Sendable, Equatable {
    /// The cluster's ring key pair.
    public var keys: CurveKeyPair

    public init(keys: CurveKeyPair) {
        self.keys = keys
    }
}

extension ZMQSocket {
    /// Applies optional server-side CURVE settings (nothing when `settings` is nil).
    public func apply(_ settings: CurveServerSettings?) throws(ZMQError) {
        guard let settings else { return }
        try self.configureCurveServer(settings.keys)
    }

    /// Applies optional client-side CURVE settings (nothing when `settings` is nil).
    public func apply(_ settings: CurveClientSettings?) throws(ZMQError) {
        guard let settings else { return }
        try self.configureCurveClient(settings.keys, serverPublicKey: settings.serverPublicKey)
    }
}
