#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an HTTP server could not start.
public enum HTTPServerError: Error, Equatable, CustomStringConvertible {
    /// `bind` is not `HOST:PORT` with an IPv4 host and a port in 0...65535.
    case badAddress(String)
    /// The token file could not be read or is empty.
    case tokenFile(path: String, message: String)
    /// A socket call failed.
    case socket(operation: String, errno: Int32)
    /// `start` was called on a server that is already serving.
    case alreadyStarted

    public var description: String {
        switch self {
        case .badAddress(let text): "HTTP address '\(text)' is not HOST:PORT (IPv4 host, port 0-65535)"
        case .tokenFile(let path, let message): "HTTP token file \(path): \(message)"
        case .socket(let operation, let errno):
            "HTTP socket \(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .alreadyStarted: "the HTTP server is already serving"
        }
    }
}
