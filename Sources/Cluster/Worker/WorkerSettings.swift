import Foundation

/// Everything a worker process needs besides its trial runner.
public struct WorkerSettings: Sendable {
    /// The coordinator's ROUTER endpoint.
    public var coordinatorEndpoint: String
    /// A stable name; also the ZeroMQ routing id.
    public var workerID: String
    /// Grows with every start of the process (milliseconds since 1970 by default).
    public var incarnation = UInt64(Date().timeIntervalSince1970 * 1000)
    public var host = ProcessInfo.processInfo.hostName
    public var cores = 1
    /// Where group peers reach this worker for all-reduce (empty: groups of one only).
    public var peerEndpoint = ""
    /// How long a rank waits for a silent group peer, overriding the coordinator's busy-worker timeout (nil: use
    /// the coordinator's, sent in its Welcome).
    public var peerTimeout: Duration?
    public var cachedDatasets: [String] = []
    public var cachedModels: [String] = []
    /// Heartbeat interval until the coordinator's Welcome says otherwise.
    public var heartbeatInterval: Duration = .milliseconds(500)
    /// How long to wait for a Welcome before sending Hello again.
    public var helloRetry: Duration = .seconds(1)
    /// How often the I/O loop checks the outbox (the longest a report waits before it is sent).
    public var pollInterval: Duration = .milliseconds(10)
    /// How often `WorkerService.onProgress` is called while a run trains.
    public var progressInterval: Duration = .milliseconds(250)
    /// When stopped, how long the worker waits for its cancelled run's training thread to return.
    public var stopGrace: Duration = .seconds(30)
    public var limits = WireLimits()
    /// CURVE on the DEALER (nil: plain TCP).
    public var curve: CurveClientSettings?
    /// How results, checkpoint uploads and failures are re-sent until the coordinator acknowledges them (see
    /// `WorkerService+Redelivery.swift`).
    public var redelivery = RedeliverySettings()
    /// Testing only: drops chosen outgoing messages (see ``MessageDropper``); nil, the default, sends everything.
    public var sendFilter: MessageDropper?

    /// Settings for worker `workerID` of the coordinator at `coordinatorEndpoint`.
    public init(coordinatorEndpoint: String, workerID: String) {
        self.coordinatorEndpoint = coordinatorEndpoint
        self.workerID = workerID
    }

    /// What the worker's protocol core (`WorkerCore`) follows of these settings.
    public var timing: WorkerTiming {
        WorkerTiming(
            heartbeatInterval: self.heartbeatInterval, helloRetry: self.helloRetry,
            progressInterval: self.progressInterval, peerTimeout: self.peerTimeout)
    }
}
