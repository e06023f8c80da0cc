/// What a worker announced in its Hello.
public struct WorkerInfo: Hashable, Sendable {
    public var id: WorkerID
    /// Grows with every restart of the worker process.
    public var incarnation: UInt64
    public var host: String
    public var cores: Int
    /// Where group peers connect to it for all-reduce (empty if it cannot join groups larger than one).
    public var peerEndpoint: String
    public var cachedDatasets: [String]
    public var cachedModels: [String]

    public init(
        id: WorkerID, incarnation: UInt64, host: String = "", cores: Int = 1, peerEndpoint: String = "",
        cachedDatasets: [String] = [], cachedModels: [String] = []
    ) {
        self.id = id
        self.incarnation = incarnation
        self.host = host
        self.cores = cores
        self.peerEndpoint = peerEndpoint
        self.cachedDatasets = cachedDatasets
        self.cachedModels = cachedModels
    }
}

/// SWIM's status ladder without the gossip: heard recently, overdue, or given up on.
public enum WorkerStatus: String, Sendable, Codable {
    case alive = "ALIVE"
    case suspect = "SUSPECT"
    case dead = "DEAD"
}

/// The failure detector's view of one worker.
public struct MemberRecord: Hashable, Sendable {
    public var info: WorkerInfo
    public var status: WorkerStatus
    /// When any valid message from this incarnation last arrived.
    public var lastHeard: ClusterTime
    /// Set by the coordinator while the worker belongs to a running trial; selects the busy timeouts.
    public var isBusy: Bool
}
