import CZeroMQ

/// The ZeroMQ socket patterns MixRec uses.
public enum ZMQSocketType: Sendable, CustomStringConvertible {
    /// Coordinator side of the control plane: one identity frame per peer precedes every message.
    case router
    /// Worker side of the control plane: asynchronous, no send/receive lock-step.
    case dealer
    /// Exclusive pair (tests and worker↔worker rings).
    case pair
    /// Pipeline ends.
    case push, pull

    var rawValue: Int32 {
        switch self {
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .pair: ZMQ_PAIR
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        }
    }

    public var description: String {
        switch self {
        case .router: "ROUTER"
        case .dealer: "DEALER"
        case .pair: "PAIR"
        case .push: "PUSH"
        case .pull: "PULL"
        }
    }
}
