import ZeroMQ

/// Why a coordinator could not start or had to stop.
public enum CoordinatorError: Error, Equatable, CustomStringConvertible {
    /// The study directory holds a study with another configuration.
    case configurationChanged(storedHash: String, newHash: String)
    /// ZeroMQ failed (binding the endpoint, polling, the context shut down).
    case transport(ZMQError)
    /// The study store failed.
    case store(StudyStoreError)

    public var description: String {
        switch self {
        case .configurationChanged(let stored, let new):
            "the study directory holds a study with configuration \(stored), this one is \(new): refusing to mix them"
        case .transport(let error): "\(error)"
        case .store(let error): "\(error)"
        }
    }
}
