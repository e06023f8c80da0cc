import ZeroMQ

/// Why a coordinator could not start or had to stop.
public enum CoordinatorError: Error, Equatable, CustomStringConvertible {
    /// The study directory holds a study with another configuration, and some changes are not safe to apply.
    case configurationChanged([ConfigChange])
    /// ZeroMQ failed (binding the endpoint, polling, the context shut down).
    case transport(ZMQError)
    /// The study store failed.
    case store(StudyStoreError)
    /// The settings are inconsistent (the text says how).
    case invalidSettings(String)
    /// CURVE is configured but no ZAP handler runs in the context: start a `ZAPAuthenticator` before the
    /// coordinator (without one its CURVE socket would admit no worker at all).
    case noZAPHandler

    public var description: String {
        switch self {
        case .configurationChanged(let changes):
            "the study directory holds a study with another configuration; refusing these changes:\n"
                + changes.map { "  \($0)" }.joined(separator: "\n")
        case .transport(let error): "\(error)"
        case .store(let error): "\(error)"
        case .invalidSettings(let problem): "invalid coordinator settings: \(problem)"
        case .noZAPHandler:
            "CURVE is configured but no ZAP handler serves inproc://zeromq.zap.01 in this context: no worker could "
                + "connect (the socket fails closed); start the ZAPAuthenticator before the coordinator"
        }
    }
}
