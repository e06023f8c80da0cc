import CZeroMQ
import Dispatch
import Synchronization

// MARK: - Zero-copy sends

/// Counts the zero-copy payloads that libzmq has let go of (it calls back once it no longer reads a payload:
/// written to the kernel, or dropped when the socket closed). A socket with one peer lets go in send order.
public final class ZMQSendReleases: Sendable {
    private let count = Atomic<Int>(0)
    private let signal = DispatchSemaphore(value: 0)

    public init() {}

    /// Payloads released so far.
    public var released: Int { self.count.load(ordering: .acquiring) }

    /// Waits until at least `target` payloads are released.
    /// - Returns: false if `timeout` passed first.
    public func wait(untilReleased target: Int, timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let deadline =
            DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        while self.released < target {
            // Every release signals once, so each wake-up re-checks; leftover signals only cost a loop turn.
            if self.signal.wait(timeout: deadline) == .timedOut { return self.released >= target }
        }
        return true
    }

    fileprivate func release() {
        self.count.add(1, ordering: .releasing)
        self.signal.signal()
    }
}

extension ZMQSocket {
    /// Sends `[header][payload]` without copying the payload: libzmq reads it from memory while it writes it out.
    ///
    /// The caller keeps the payload's memory alive and unchanged until `releases` has counted this message (every
    /// call that returns true or throws after the header went out counts exactly one release).
    /// - Returns: false if the send timed out at the high-water mark (`EAGAIN`); nothing was sent or counted then.
    /// - Throws: `ZMQError` for any other failure.
    public func sendWithoutCopy(
        header: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, releases: ZMQSendReleases
    ) throws(ZMQError) -> Bool {
        let handle = try self.handle(for: "send without copy")
        while zmq_send(handle, header.baseAddress, header.count, ZMQ_SNDMORE) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return false }
            throw ZMQError(operation: "send header", code: code)
        }
        var message = zmq_msg_t()
        let hint = Unmanaged.passRetained(releases).toOpaque()
        if let base = payload.baseAddress, payload.count > 0 {
            let created = zmq_msg_init_data(
                &message, UnsafeMutableRawPointer(mutating: base), payload.count,
                { _, hint in
                    guard let hint else { return }
                    Unmanaged<ZMQSendReleases>.fromOpaque(hint).takeRetainedValue().release()
                }, hint)
            guard created == 0 else {
                Unmanaged<ZMQSendReleases>.fromOpaque(hint).takeRetainedValue().release()
                throw ZMQError.last("zmq_msg_init_data of \(payload.count) bytes")
            }
        } else {
            zmq_msg_init(&message)
            Unmanaged<ZMQSendReleases>.fromOpaque(hint).takeRetainedValue().release()
        }
        while zmq_msg_send(&message, handle, 0) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            zmq_msg_close(&message)  // releases the payload
            throw ZMQError(operation: "send payload of \(payload.count) bytes without copy", code: code)
        }
        return true
    }
}
