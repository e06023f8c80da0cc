import ZeroMQ

/// CURVE for a socket that binds (the coordinator's ROUTER). Which clients may connect is decided by the
/// `ZAPAuthenticator` running in the same context with the allow-list of worker public keys.
public struct CurveServerSettings: Sendable, Equatable {
    /// The server's key pair; clients are configured with its public key.
    public var keys: CurveKeyPair

    public init(keys: CurveKeyPair) {
        self.keys = keys
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

/// CURVE for all-reduce ring links: every worker binds its ring socket as a server with the cluster's shared
/// ring key pair and connects to its neighbour as a client with its own key pair, so the neighbour's ZAP
/// handler can check the client against the worker allow-list.
public struct RingCurveSettings: Sendable, Equatable {
    /// The ring servers' shared key pair.
    public var server: CurveKeyPair
    /// This worker's own key pair.
    public var client: CurveKeyPair

    public init(server: CurveKeyPair, client: CurveKeyPair) {
        self.server = server
        self.client = client
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
