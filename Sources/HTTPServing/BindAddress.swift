#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 `HOST:PORT` a server listens on (port 0 picks a free one).
public struct BindAddress: Equatable, Sendable, CustomStringConvertible {
    /// The dotted IPv4 host, e.g. `127.0.0.1`.
    public var host: String
    /// The port (0 before binding means any free one).
    public var port: UInt16

    /// - Parameters:
    ///   - host: a dotted IPv4 address.
    ///   - port: the port.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, e.g. `127.0.0.1:8080`; `localhost` means `127.0.0.1`.
    /// - Throws: ``HTTPServerError/badAddress(_:)`` for anything else.
    public init(parsing text: String) throws(HTTPServerError) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw .badAddress(text)
        }
        let host = String(text[..<colon])
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        guard self.socketAddress() != nil else { throw .badAddress(text) }
    }

    public var description: String { "\(self.host):\(self.port)" }

    /// Whether only this machine can connect: the host is in 127.0.0.0/8.
    public var isLoopback: Bool { Self.isLoopback(host: self.host) }

    /// Whether `host` is `localhost` or a dotted IPv4 address in 127.0.0.0/8; any other name or address (a
    /// wildcard, an interface, IPv6) counts as reachable from elsewhere.
    public static func isLoopback(host: String) -> Bool {
        var address = in_addr()
        guard host != "localhost" else { return true }
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    /// The address as a `sockaddr_in`, nil when the host is not a dotted IPv4 address.
    func socketAddress() -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = self.port.bigEndian
        guard inet_pton(AF_INET, self.host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}
