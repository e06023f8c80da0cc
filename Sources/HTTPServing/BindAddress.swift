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

    /// The address as a `sockaddr_in`, nil when the host is not a dotted IPv4 address.
    func socketAddress() -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = self.port.bigEndian
        guard inet_pton(AF_INET, self.host, &address.sin_addr) == 1 else { return nil }
        return address
    }
}
