import Foundation

/// A rank's own "host" in a simulated cluster: a Linux network namespace (made by `cluster/netns-bench`, which
/// limits its link with `tc`, or by a root-only test) and the address the other ranks reach it at.
///
/// A thread that enters the namespace (`setns(2)` acts on the calling thread only) creates its ZeroMQ sockets
/// there, and the context's I/O threads, started by the first socket, inherit it: each rank's traffic then crosses
/// its own link, as between hosts, while the ranks stay threads of one process. Ranks in different namespaces need
/// a context each, first used after `enter()`.
public struct SimulatedHost: Sendable {
    /// The name under `/run/netns` (`ip netns add NAME`).
    public var namespace: String
    /// The rank's IPv4 address inside it.
    public var address: String

    public init(namespace: String, address: String) {
        self.namespace = namespace
        self.address = address
    }

    /// Moves the calling thread into this host's network namespace.
    /// - Throws: `SimulatedHostError` when the namespace does not exist or the kernel refuses (not root).
    public func enter() throws(SimulatedHostError) {
        let path = "/run/netns/\(self.namespace)"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(descriptor) }
        guard let setns = Self.setns else { throw .unsupported }
        guard setns(descriptor, Self.newNetworkNamespace) == 0 else {
            throw .refused(namespace: self.namespace, errno: errno)
        }
    }

    /// `CLONE_NEWNET` from `<sched.h>` (which Swift's Glibc module does not import): the kind of namespace to join.
    private static let newNetworkNamespace: Int32 = 0x4000_0000

    /// glibc's `setns`, looked up at run time: Swift's Glibc module does not declare it (it is a GNU extension).
    private static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()
}

/// Why a rank could not enter its simulated host.
public enum SimulatedHostError: Error, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case refused(namespace: String, errno: Int32)
    case unsupported

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            "cannot open \(path) (\(String(cString: strerror(code)))): make the namespace first (ip netns add)"
        case .refused(let namespace, let code):
            "setns into \(namespace) failed (\(String(cString: strerror(code)))): it needs root"
        case .unsupported:
            "this C library has no setns: simulated hosts need Linux"
        }
    }
}
