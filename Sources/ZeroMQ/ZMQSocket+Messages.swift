import CZeroMQ

// MARK: - Multipart messages

extension ZMQSocket {
    /// Sends one message made of `frames` (each copied by libzmq). An empty list sends nothing.
    /// - Parameters:
    ///   - frames: the message's parts in order; a ROUTER socket expects the peer identity first.
    ///   - dontWait: fail with `EAGAIN` instead of blocking at the high-water mark.
    /// - Returns: false if the send would block (`EAGAIN`: timeout, `dontWait`, or no peer yet); the message was
    ///   then not sent. Multipart sends are atomic: either every frame is queued or none.
    /// - Throws: `ZMQError` for any other failure (`EHOSTUNREACH` on a mandatory ROUTER, `ETERM`, …).
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try self.handle(for: "send")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
            if index < frames.count - 1 { flags |= ZMQ_SNDMORE }
            while true {
                let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if sent >= 0 { break }
                let code = zmq_errno()
                if code == EINTR { continue }
                // libzmq only fails the first frame of a message with EAGAIN; later frames are always queued.
                if code == EAGAIN && index == 0 { return false }
                throw ZMQError(operation: "send frame \(index) of \(frames.count)", code: code)
            }
        }
        return true
    }

    /// Receives one whole message.
    /// - Parameters:
    ///   - maxFrames: the most frames accepted; a longer message is read to its end, dropped and reported as
    ///     `EMSGSIZE`, so a misbehaving peer cannot make the receiver buffer without bound.
    ///   - dontWait: return nil at once when no message is queued.
    /// - Returns: the frames, or nil when no message arrived (`EAGAIN`: receive timeout or `dontWait`).
    /// - Throws: `ZMQError` (`EMSGSIZE` for too many frames, `ETERM` after the context shut down, …).
    public func receive(maxFrames: Int = 64, dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        try self.receive(maxFrames: maxFrames, dontWait: dontWait, readingUserID: false)?.frames
    }

    /// Receives one whole message like `receive(maxFrames:dontWait:)`, with the `User-Id` the ZAP handler gave
    /// its connection (nil when the connection has none, as without CURVE).
    public func receiveWithUserID(maxFrames: Int = 64, dontWait: Bool = false) throws(ZMQError)
        -> (frames: [[UInt8]], userID: String?)?
    {
        try self.receive(maxFrames: maxFrames, dontWait: dontWait, readingUserID: true)
    }

    private func receive(maxFrames: Int, dontWait: Bool, readingUserID: Bool) throws(ZMQError)
        -> (frames: [[UInt8]], userID: String?)?
    {
        precondition(maxFrames >= 1, "maxFrames must be at least 1")
        let handle = try self.handle(for: "receive")
        var frames: [[UInt8]] = []
        var userID: String?
        var dropped = 0
        var more = true
        while more {
            let flags: Int32 = (dontWait && frames.isEmpty && dropped == 0) ? ZMQ_DONTWAIT : 0
            guard
                let (frame, hasMore, frameUserID) = try Self.receiveFrame(
                    handle, flags: flags, isFirst: frames.isEmpty, readingUserID: readingUserID && userID == nil)
            else { return nil }
            if frames.count < maxFrames {
                frames.append(frame)
            } else {
                dropped += 1
            }
            userID = userID ?? frameUserID
            more = hasMore
        }
        if dropped > 0 {
            throw ZMQError(
                operation: "receive (message of \(frames.count + dropped) frames, limit \(maxFrames))",
                code: EMSGSIZE)
        }
        return (frames, userID)
    }

    /// Receives one frame, with its connection's `User-Id` property when `readingUserID`; nil when the first frame
    /// is not there yet (`EAGAIN`).
    private static func receiveFrame(
        _ handle: UnsafeMutableRawPointer, flags: Int32, isFirst: Bool, readingUserID: Bool
    ) throws(ZMQError) -> ([UInt8], Bool, String?)? {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while zmq_msg_recv(&message, handle, flags) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN && isFirst { return nil }
            throw ZMQError(operation: "receive", code: code)
        }
        let userID = readingUserID ? zmq_msg_gets(&message, "User-Id").map { String(cString: $0) } : nil
        let size = zmq_msg_size(&message)
        let frame: [UInt8]
        if size == 0 {
            frame = []
        } else if let data = zmq_msg_data(&message) {
            frame = Array(UnsafeRawBufferPointer(start: data, count: size))
        } else {
            frame = []
        }
        return (frame, zmq_msg_more(&message) == 1, userID)
    }
}
