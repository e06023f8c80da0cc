import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One accepted connection: reads a bounded request (head, then a `Content-Length` body) with a timeout, answers
/// it, and leaves closing to the caller.
struct HTTPConnection {
    /// The largest request head accepted (request line and headers).
    static let maxHeadBytes = 16 * 1024
    /// The largest request body accepted.
    static let maxBodyBytes = 1024 * 1024

    let socket: Int32

    #if os(Linux)
        private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
        private static let noSignal: Int32 = 0
    #endif

    /// Reads one request, answers it through `handler` and half-closes.
    /// - Parameter timeout: how long receiving the whole request may take (each `recv` waits at most what is left
    ///   of it), and how long each send of the response may block.
    func serve(handler: some HTTPHandler, timeout: Duration) {
        var sendTimeout = Self.socketTimeout(timeout)
        setsockopt(self.socket, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        let response: HTTPResponse
        var includeBody = true
        switch self.readRequest(deadline: ContinuousClock.now + timeout) {
        case .request(let request):
            response = handler.respond(to: request)
            includeBody = request.method != "HEAD"
        case .rejected(let status, let message): response = handler.reject(status, message)
        case .closed: return
        }
        self.write(response, includeBody: includeBody)
        self.lingeringClose()
    }

    /// Half-closes and drains what the client still sends (up to 64 KiB, 1 s), so closing with unread input does
    /// not reset the connection before the client has read the response.
    private func lingeringClose() {
        shutdown(self.socket, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(self.socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < 65536 {
            let count = chunk.withUnsafeMutableBytes { recv(self.socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            drained += count
        }
    }

    private enum RequestRead {
        case request(HTTPRequest)
        /// The request cannot be answered: the status and why.
        case rejected(Int, String)
        case closed
    }

    private enum Received {
        case bytes([UInt8])
        case timedOut
        case closed
    }

    /// The head, then as many body bytes as `Content-Length` says, all before `deadline`.
    private func readRequest(deadline: ContinuousClock.Instant) -> RequestRead {
        var received: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            let searchFrom = max(0, received.count - 3)
            switch self.receive(before: deadline) {
            case .bytes(let bytes): received += bytes
            case .timedOut: return .rejected(408, "request not received in time")
            case .closed: return .closed
            }
            headEnd = Self.headEnd(in: received, from: searchFrom)
            if received.count > Self.maxHeadBytes, (headEnd ?? received.count) > Self.maxHeadBytes {
                return .rejected(431, "request head larger than \(Self.maxHeadBytes) bytes")
            }
        }
        guard let end = headEnd, var request = HTTPRequest(head: Array(received[..<end])) else {
            return .rejected(400, "malformed request")
        }
        guard request.headers["transfer-encoding"] == nil else {
            return .rejected(411, "chunked request bodies are not accepted: send a Content-Length")
        }
        guard let declared = request.headers["content-length"] else { return .request(request) }
        guard let length = Int(declared), length >= 0 else {
            return .rejected(400, "Content-Length '\(declared)' is not a byte count")
        }
        guard length <= Self.maxBodyBytes else {
            return .rejected(413, "request body of \(length) bytes is larger than \(Self.maxBodyBytes) bytes")
        }
        var body = Array(received[(end + 4)...].prefix(length))
        if body.count < length, request.headers["expect"]?.lowercased() == "100-continue" {
            self.sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        while body.count < length {
            switch self.receive(before: deadline) {
            case .bytes(let bytes): body += bytes.prefix(length - body.count)
            case .timedOut: return .rejected(408, "request body not received in time")
            case .closed: return .rejected(400, "the body ended after \(body.count) of \(length) bytes")
            }
        }
        request.body = body
        return .request(request)
    }

    /// The offset of the blank line (`\r\n\r\n`) that ends the head, searching from `start`.
    private static func headEnd(in bytes: [UInt8], from start: Int) -> Int? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var index = start
        while index + 4 <= bytes.count {
            if bytes[index..<(index + 4)].elementsEqual(terminator) { return index }
            index += 1
        }
        return nil
    }

    /// One `recv` of up to 4 KiB, waiting at most until `deadline`.
    private func receive(before deadline: ContinuousClock.Instant) -> Received {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return .timedOut }
        var timeout = Self.socketTimeout(left)
        setsockopt(self.socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(self.socket, $0.baseAddress, $0.count, 0) }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
        return count == 0 ? .closed : .bytes(Array(chunk[..<count]))
    }

    /// `duration` as a socket timeout (at least 1 µs: zero would mean no timeout).
    private static func socketTimeout(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        var timeout = timeval()
        timeout.tv_sec = Int(seconds)
        timeout.tv_usec = .init(max(seconds > 0 ? 0 : 1, attoseconds / 1_000_000_000_000))
        return timeout
    }

    /// Writes the whole response (gives up on a send error or timeout).
    func write(_ response: HTTPResponse, includeBody: Bool) {
        self.sendAll(response.serialized(includeBody: includeBody))
    }

    /// Sends all of `bytes` (gives up on a send error or timeout).
    private func sendAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(self.socket, $0.baseAddress, $0.count, Self.noSignal) }
            guard sent > 0 else { return }
            offset += sent
        }
    }
}
