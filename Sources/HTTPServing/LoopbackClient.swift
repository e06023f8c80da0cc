import Foundation

#if canImport(Glibc)
    import Glibc

    private let systemConnect = Glibc.connect
    private let systemSend = Glibc.send
#elseif canImport(Darwin)
    import Darwin

    private let systemConnect = Darwin.connect
    private let systemSend = Darwin.send
#endif

/// A minimal blocking HTTP/1.1 client of a server on 127.0.0.1, one connection per request, for load tests and
/// tests: the caller controls every byte (and can stall a connection on purpose).
public struct LoopbackClient: Sendable {
    /// A response read until the server closed the connection.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Header values by lower-cased name.
        public var headers: [String: String]
        /// The body as UTF-8 text.
        public var body: String
    }

    /// A connection or response that failed, with the reason.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server's port on 127.0.0.1.
    public let port: UInt16

    /// - Parameter port: the server's port on 127.0.0.1.
    public init(port: UInt16) {
        self.port = port
    }

    /// Connects to 127.0.0.1:`port` with a 10 s receive timeout; the caller closes the descriptor.
    public func connect() throws(Failure) -> Int32 {
        #if os(Linux)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = self.port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect: errno \(errno)")
        }
        return fd
    }

    /// Sends raw bytes on an open connection.
    public func send(_ text: String, on fd: Int32) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Sends `method path` with `headers` and, when given, `body` (with its `Content-Length`), and reads the whole
    /// response.
    public func request(
        _ path: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil
    ) throws(Failure) -> Response {
        var head =
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(self.port)\r\n"
            + headers.map { "\($0): \($1)\r\n" }.joined()
        if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
        return try self.raw(head + "\r\n" + (body ?? ""))
    }

    /// Sends `text` as is and reads the response until the server closes the connection.
    public func raw(_ text: String) throws(Failure) -> Response {
        let fd = try self.connect()
        defer { close(fd) }
        self.send(text, on: fd)
        return try self.response(on: fd)
    }

    /// Reads the response on an open connection until the server closes it.
    public func response(on fd: Int32) throws(Failure) -> Response {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                if count < 0 { throw Failure(description: "recv: errno \(errno)") }
                break
            }
            received.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no response head: \(text)") }
        let lines = text[..<split.lowerBound].split(separator: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line in \(text.prefix(200))")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                    .trimmingCharacters(in: .whitespaces)
            }
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
