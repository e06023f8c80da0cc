import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A one-connection TCP relay on loopback that records every byte it forwards: a wire sniffer for tests.
final class TCPRelay: Sendable {
    /// The port clients connect to.
    let port: UInt16
    private let captured = Mutex<[UInt8]>([])
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on a free loopback port and forwards the first connection to `127.0.0.1:targetPort`.
    init(targetPort: UInt16) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard listener >= 0, bound == 0, listen(listener, 1) == 0 else { throw RelayError.setup(errno) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        let thread = Thread { [self] in
            self.relay(targetPort: targetPort)
            self.finished.signal()
        }
        thread.start()
    }

    enum RelayError: Error { case setup(Int32) }

    /// Everything forwarded so far, in both directions.
    var bytes: [UInt8] { self.captured.withLock { $0 } }

    /// Whether `marker` occurs anywhere in the captured traffic.
    func contains(_ marker: String) -> Bool {
        let needle = Array(marker.utf8)
        let haystack = self.bytes
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }

    /// Closes the listener (ending the relay once its connection closes).
    func close() {
        shutdown(self.listener, Int32(SHUT_RDWR))
        Glibc.close(self.listener)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func relay(targetPort: UInt16) {
        let client = accept(self.listener, nil, nil)
        guard client >= 0 else { return }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: targetPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        defer {
            Glibc.close(client)
            Glibc.close(server)
        }
        guard connected == 0 else { return }
        var fds = [
            pollfd(fd: client, events: Int16(POLLIN), revents: 0),
            pollfd(fd: server, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while poll(&fds, 2, 5000) > 0 {
            for (index, entry) in fds.enumerated() where entry.revents != 0 {
                let read = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                guard read > 0 else { return }
                self.captured.withLock { $0 += buffer[0..<read] }
                let target = index == 0 ? server : client
                _ = buffer.withUnsafeBytes { send(target, $0.baseAddress, read, Int32(MSG_NOSIGNAL)) }
            }
        }
    }
}
