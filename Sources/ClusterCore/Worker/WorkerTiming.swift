/// The timing `WorkerCore` follows: what it needs of the worker's settings (`WorkerSettings.timing` in `Cluster`).
public struct WorkerTiming: Sendable, Equatable {
    /// Heartbeat interval until the coordinator's Welcome says otherwise.
    public var heartbeatInterval: Duration
    /// How long to wait for a Welcome before sending Hello again.
    public var helloRetry: Duration
    /// How often the progress display is due while a run trains.
    public var progressInterval: Duration
    /// How long a rank waits for a silent group peer, overriding the coordinator's busy-worker timeout (nil: use
    /// the coordinator's, sent in its Welcome).
    public var peerTimeout: Duration?

    public init(
        heartbeatInterval: Duration = .milliseconds(500), helloRetry: Duration = .seconds(1),
        progressInterval: Duration = .milliseconds(250), peerTimeout: Duration? = nil
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.helloRetry = helloRetry
        self.progressInterval = progressInterval
        self.peerTimeout = peerTimeout
    }
}
