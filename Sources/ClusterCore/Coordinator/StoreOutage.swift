/// How the coordinator retries a state transition the study store refused: first after `initialDelay`, then after
/// twice the previous wait, never longer than `maximumDelay`.
public struct StoreRetrySettings: Sendable, Equatable {
    /// The wait before the first retry.
    public var initialDelay: Duration = .milliseconds(100)
    /// The longest wait between two retries.
    public var maximumDelay: Duration = .seconds(5)

    /// The default back-off: 0.1 s, doubling to at most 5 s.
    public init() {}

    /// Both delays positive and the first no longer than the longest.
    public var isConsistent: Bool {
        self.initialDelay > .zero && self.maximumDelay >= self.initialDelay
    }
}

/// A period in which the study store refuses the coordinator's writes: when it began, how many commits failed and
/// when the next retry is due. While one lasts the coordinator makes no state transition (it only retries the one
/// it could not write). Pure: time comes in as arguments.
public struct StoreOutage: Sendable, Equatable {
    /// The back-off followed.
    public let settings: StoreRetrySettings
    /// When the first commit failed.
    public let began: ClusterTime
    /// Failed commits so far (1 after the first).
    public private(set) var failures = 1
    /// The wait before `nextAttempt`.
    public private(set) var delay: Duration
    /// When to try again.
    public private(set) var nextAttempt: ClusterTime

    /// An outage whose first commit failed at `now`.
    public init(failedAt now: ClusterTime, settings: StoreRetrySettings) {
        self.settings = settings
        self.began = now
        self.delay = settings.initialDelay
        self.nextAttempt = now + settings.initialDelay
    }

    /// Whether a retry is due at `now`.
    public func isDue(_ now: ClusterTime) -> Bool { now >= self.nextAttempt }

    /// A retry at `now` failed too: the wait doubles, up to the maximum.
    public mutating func failedAgain(at now: ClusterTime) {
        self.failures += 1
        self.delay = min(self.delay * 2, self.settings.maximumDelay)
        self.nextAttempt = now + self.delay
    }
}
