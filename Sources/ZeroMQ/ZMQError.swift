import CZeroMQ

/// A failed ZeroMQ call: which operation, the `errno` it set, and libzmq's description of it.
public struct ZMQError: Error, Equatable, CustomStringConvertible {
    /// The operation that failed, for example `"bind tcp://127.0.0.1:5555"`.
    public let operation: String
    /// The `errno` value (`EAGAIN`, `ETERM`, `EHOSTUNREACH`, …).
    public let code: Int32
    /// `zmq_strerror(code)`.
    public let reason: String

    /// Creates an error for `operation` with an explicit error code.
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.reason = String(cString: zmq_strerror(code))
    }

    /// Captures `zmq_errno()` right after a failed call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(operation: operation, code: zmq_errno())
    }

    public var description: String {
        "ZeroMQ \(self.operation) failed: \(self.reason) (errno \(self.code))"
    }

    /// True when the context was terminated or shut down (`ETERM`); socket loops stop on it.
    public var isContextTerminated: Bool { self.code == ETERM }

    /// True when a message had another frame count than the receive expected (`EPROTO`, `receiveRaw`): it was
    /// read to its end and dropped.
    public var isMisshapenMessage: Bool { self.code == EPROTO }
}
