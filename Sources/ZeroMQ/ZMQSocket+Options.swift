import CZeroMQ

// MARK: - Typed socket options

extension ZMQSocket {
    /// How long unsent messages are kept after `close()`; 0 drops them at once (the default MixRec uses).
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try self.setInt32Option(ZMQ_LINGER, milliseconds, name: "ZMQ_LINGER")
    }

    /// The most *messages* (not bytes) queued for sending per peer before sends block or fail.
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try self.setInt32Option(ZMQ_SNDHWM, messages, name: "ZMQ_SNDHWM")
    }

    /// The most messages queued on receive per peer.
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try self.setInt32Option(ZMQ_RCVHWM, messages, name: "ZMQ_RCVHWM")
    }

    /// The largest frame a peer may send; a peer that sends a bigger one is disconnected by libzmq.
    /// -1 means no limit.
    public func setMaxMessageSize(bytes: Int64) throws(ZMQError) {
        let handle = try self.handle(for: "set ZMQ_MAXMSGSIZE")
        var value = bytes
        let size = MemoryLayout<Int64>.size
        guard zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &value, size) == 0 else {
            throw ZMQError.last("set ZMQ_MAXMSGSIZE \(bytes)")
        }
    }

    /// How long a blocking receive waits before it returns no message; -1 waits forever.
    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) {
        try self.setInt32Option(ZMQ_RCVTIMEO, milliseconds, name: "ZMQ_RCVTIMEO")
    }

    /// How long a blocking send waits (at the high-water mark) before it fails with `EAGAIN`; -1 waits forever.
    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) {
        try self.setInt32Option(ZMQ_SNDTIMEO, milliseconds, name: "ZMQ_SNDTIMEO")
    }

    /// The identity a ROUTER peer sees for this socket (1–255 bytes, not starting with a zero byte).
    /// Set it before `connect`.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        let handle = try self.handle(for: "set ZMQ_ROUTING_ID")
        let status = id.withUnsafeBytes { zmq_setsockopt(handle, ZMQ_ROUTING_ID, $0.baseAddress, $0.count) }
        guard status == 0 else { throw ZMQError.last("set ZMQ_ROUTING_ID") }
    }

    /// For ROUTER sockets: make sends to an unknown identity fail with `EHOSTUNREACH` instead of being dropped.
    public func setRouterMandatory(_ enabled: Bool) throws(ZMQError) {
        try self.setInt32Option(ZMQ_ROUTER_MANDATORY, enabled ? 1 : 0, name: "ZMQ_ROUTER_MANDATORY")
    }

    /// The current value of an integer option (`ZMQ_LINGER`, `ZMQ_SNDHWM`, …), for checks and diagnostics.
    public func int32Option(_ option: Int32, name: String) throws(ZMQError) -> Int32 {
        let handle = try self.handle(for: "get \(name)")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, option, &value, &size) == 0 else { throw ZMQError.last("get \(name)") }
        return value
    }

    // MARK: - Raw helpers

    func setInt32Option(_ option: Int32, _ value: Int32, name: String) throws(ZMQError) {
        let handle = try self.handle(for: "set \(name)")
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("set \(name) \(value)")
        }
    }

    func bytesOption(_ option: Int32, capacity: Int, name: String) throws(ZMQError) -> [UInt8] {
        let handle = try self.handle(for: "get \(name)")
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        let status = buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, option, $0.baseAddress, &size) }
        guard status == 0 else { throw ZMQError.last("get \(name)") }
        return Array(buffer.prefix(size))
    }
}
