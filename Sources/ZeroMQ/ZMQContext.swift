import CZeroMQ

/// A ZeroMQ context: the I/O threads and the registry that `inproc://` endpoints live in.
///
/// - Note: `@unchecked Sendable` is safe because libzmq documents contexts as thread safe: `zmq_socket`,
///   `zmq_ctx_shutdown` and `zmq_ctx_term` may be called from any thread. Sockets are not thread safe and are
///   therefore a separate, non-Sendable type. Every socket keeps its context alive, so `zmq_ctx_term` in `deinit`
///   runs only after all sockets are closed and never blocks (sockets are created with `ZMQ_LINGER` 0).
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` background I/O threads (one is enough below ~1 GB/s).
    /// - Throws: `ZMQError` if libzmq cannot create the context or set the thread count.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        guard zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) == 0 else {
            let error = ZMQError.last("set ZMQ_IO_THREADS \(ioThreads)")
            zmq_ctx_term(handle)
            throw error
        }
    }

    /// Makes every blocking call on this context's sockets fail with `ETERM` from now on, so threads that own
    /// sockets can notice, close them and exit. Safe to call from any thread, and more than once.
    public func shutdown() {
        zmq_ctx_shutdown(self.handle)
    }

    deinit {
        zmq_ctx_term(self.handle)
    }

    /// The linked libzmq version as `(major, minor, patch)`.
    public static var libraryVersion: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }
}
