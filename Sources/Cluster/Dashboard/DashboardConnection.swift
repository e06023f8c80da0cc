import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One accepted connection: reads a bounded request head with a timeout, answers it, and leaves closing to the
/// caller.
struct DashboardConnection {
    /// The largest request head accepted (request line and headers).
    static let maxHeadBytes = 16 * 1024

    let socket: Int32

    #if os(Linux)
        private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
        private static let noSignal: Int32 = 0
    #endif

    func serve(router: DashboardRouter) {
        var timeout = timeval(tv_sec: DashboardServer.ioTimeoutSeconds, tv_usec: 0)
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(self.socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, size)
        setsockopt(self.socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, size)
        let response: HTTPResponse
        var includeBody = true
        switch self.readHead() {
        case .head(let head):
            if let request = HTTPRequest(head: head) {
                response = router.respond(to: request)
                includeBody = request.method != "HEAD"
            } else {
                response = .text(400, "malformed request")
            }
        case .tooLarge: response = .text(431, "request head larger than \(Self.maxHeadBytes) bytes")
        case .timedOut: response = .text(408, "request not received in time")
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

    private enum HeadRead {
        case head([UInt8])
        case tooLarge
        case timedOut
        case closed
    }

    /// Reads until the blank line that ends the head.
    private func readHead() -> HeadRead {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [13, 10, 13, 10]
        var searchFrom = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(self.socket, $0.baseAddress, $0.count, 0) }
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
            if count == 0 { return .closed }
            received.append(contentsOf: chunk[..<count])
            var index = max(0, searchFrom - 3)
            while index + 4 <= received.count {
                if received[index..<(index + 4)].elementsEqual(terminator) {
                    return index > Self.maxHeadBytes ? .tooLarge : .head(Array(received[..<index]))
                }
                index += 1
            }
            searchFrom = received.count
            if received.count > Self.maxHeadBytes { return .tooLarge }
        }
    }

    /// Writes the whole response (gives up on a send error or timeout).
    func write(_ response: HTTPResponse, includeBody: Bool) {
        let bytes = response.serialized(includeBody: includeBody)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(self.socket, $0.baseAddress, $0.count, Self.noSignal) }
            guard sent > 0 else { return }
            offset += sent
        }
    }
}
