import CZeroMQ

// MARK: - Raw frames without intermediate arrays

extension ZMQSocket {
    /// Sends a two-frame message `[header][payload]`, the payload read straight from memory (libzmq copies it).
    /// - Returns: false if the send timed out at the high-water mark (`EAGAIN`); nothing was sent then.
    /// - Throws: `ZMQError` for any other failure (`ETERM`, `ENOTSOCK`, …).
    public func send(header: [UInt8], payload: UnsafeRawBufferPointer) throws(ZMQError) -> Bool {
        let handle = try self.handle(for: "send raw")
        while header.withUnsafeBytes({ zmq_send(handle, $0.baseAddress, $0.count, ZMQ_SNDMORE) }) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return false }
            throw ZMQError(operation: "send raw header", code: code)
        }
        while zmq_send(handle, payload.baseAddress, payload.count, 0) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            throw ZMQError(operation: "send raw payload of \(payload.count) bytes", code: code)
        }
        return true
    }

    /// Receives a two-frame message `[header][payload]` and lends both frames to `body` without copying them.
    /// - Parameter body: called with the header and payload bytes (valid only during the call; the payload may
    ///   be unaligned). A message with another frame count is read to its end and reported as `EPROTO`.
    /// - Returns: `body`'s result, or nil when no message arrived within the receive timeout (`EAGAIN`).
    /// - Throws: `ZMQError`, or whatever `body` throws.
    public func receiveRaw<R, E: Error>(
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(E) -> R
    ) throws -> R? {
        let handle = try self.handle(for: "receive raw")
        var header = zmq_msg_t()
        var payload = zmq_msg_t()
        zmq_msg_init(&header)
        zmq_msg_init(&payload)
        defer {
            zmq_msg_close(&header)
            zmq_msg_close(&payload)
        }
        guard try Self.receive(&header, handle, isFirst: true) else { return nil }
        guard zmq_msg_more(&header) == 1 else { throw ZMQError(operation: "receive raw (1 frame)", code: EPROTO) }
        _ = try Self.receive(&payload, handle, isFirst: false)
        if zmq_msg_more(&payload) == 1 {
            var extra = zmq_msg_t()
            zmq_msg_init(&extra)
            defer { zmq_msg_close(&extra) }
            repeat { _ = try Self.receive(&extra, handle, isFirst: false) } while zmq_msg_more(&extra) == 1
            throw ZMQError(operation: "receive raw (more than 2 frames)", code: EPROTO)
        }
        let headerBytes = UnsafeRawBufferPointer(start: zmq_msg_data(&header), count: zmq_msg_size(&header))
        let payloadBytes = UnsafeRawBufferPointer(start: zmq_msg_data(&payload), count: zmq_msg_size(&payload))
        return try body(headerBytes, payloadBytes)
    }

    /// Receives one frame into `message`; false when the first frame is not there yet (`EAGAIN`).
    private static func receive(
        _ message: inout zmq_msg_t, _ handle: UnsafeMutableRawPointer, isFirst: Bool
    ) throws(ZMQError) -> Bool {
        while zmq_msg_recv(&message, handle, 0) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN && isFirst { return false }
            throw ZMQError(operation: "receive raw frame", code: code)
        }
        return true
    }
}
