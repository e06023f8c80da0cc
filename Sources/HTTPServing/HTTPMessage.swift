import Foundation

/// A parsed HTTP/1.x request: its head and, when it declared a `Content-Length`, its body.
public struct HTTPRequest: Equatable, Sendable {
    /// The method, e.g. `GET`.
    public var method: String
    /// The path without the query string, e.g. `/trials/3` (still percent-encoded).
    public var path: String
    /// Header values by lower-cased name.
    public var headers: [String: String]
    /// The body's bytes (empty without a `Content-Length`).
    public var body: [UInt8] = []

    /// Parses a request head (everything before the blank line), nil when it is malformed.
    public init?(head: [UInt8]) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        guard let requestLine = lines.first else { return nil }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1."), parts[1].hasPrefix("/") || parts[1] == "*" else {
            return nil
        }
        self.method = String(parts[0])
        self.path = String(parts[1].prefix { $0 != "?" && $0 != "#" })
        self.headers = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            self.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// Whether the `Host` header names this machine's loopback (`localhost`, 127.0.0.0/8 or `[::1]`, any port), or
    /// is absent. A server bound to loopback refuses other names: a browser led there by a name that an attacker
    /// resolves to 127.0.0.1 (DNS rebinding) still sends that name.
    public var hostIsLoopback: Bool {
        guard let host = self.headers["host"]?.lowercased() else { return true }
        if host.hasPrefix("[") { return host.prefix { $0 != "]" } == "[::1" }
        return BindAddress.isLoopback(host: String(host.prefix { $0 != ":" }))
    }

    /// The media type of the body without parameters, lower-cased (`application/json` of
    /// `Application/JSON; charset=utf-8`), nil without a `Content-Type`.
    public var mediaType: String? {
        self.headers["content-type"].map {
            $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        }
    }
}

/// A response to send; the connection is closed after it.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// The `Content-Type` header.
    public var contentType: String
    /// The body's bytes.
    public var body: [UInt8]
    /// Headers beyond the standard ones, e.g. `Allow` on a 405.
    public var extraHeaders: [(String, String)] = []

    /// - Parameters:
    ///   - status: the status code.
    ///   - contentType: the `Content-Type` header.
    ///   - body: the body, sent as UTF-8.
    ///   - extraHeaders: further headers.
    public init(status: Int, contentType: String, body: String, extraHeaders: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
        self.extraHeaders = extraHeaders
    }

    /// A plain-text response, used for errors.
    public static func text(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(
            status: status, contentType: "text/plain; charset=utf-8", body: message + "\n", extraHeaders: headers)
    }

    /// The bytes on the wire (the head only when `includeBody` is false, for HEAD requests).
    public func serialized(includeBody: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(self.status) \(Self.reason(self.status))\r\n"
        head += "Content-Type: \(self.contentType)\r\nContent-Length: \(self.body.count)\r\n"
        head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"
        for (name, value) in self.extraHeaders { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return includeBody ? Array(head.utf8) + self.body : Array(head.utf8)
    }

    /// The reason phrase of the status codes the servers send.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 421: "Misdirected Request"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
