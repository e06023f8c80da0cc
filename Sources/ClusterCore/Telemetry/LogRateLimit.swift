/// At most one log line per `interval` for an event that can come in storms (the coordinator's closed connections
/// under a reconnect storm): the first event logs at once; events within `interval` of the last line are only
/// counted, and the next line says how many were left out. If the storm ends with events left out, ``due(now:)``
/// hands their count over once `interval` has passed, so a summary line still reports them.
/// Pure: time comes in as arguments.
public struct LogRateLimit: Sendable {
    /// The shortest time between two lines.
    public let interval: Duration
    /// When the last line was logged (nil: none yet).
    private var lastLine: ClusterTime?
    /// Events left out since the last line.
    public private(set) var suppressed = 0

    /// A limit with no line logged yet.
    public init(interval: Duration) {
        self.interval = interval
    }

    /// An event at `now`.
    /// - Returns: nil when its line is left out (counted); else the number of events left out since the previous
    ///   line, which the line should report (the count starts again from zero).
    public mutating func admit(now: ClusterTime) -> Int? {
        if let last = self.lastLine, now - last < self.interval {
            self.suppressed += 1
            return nil
        }
        return self.logged(now: now)
    }

    /// Called periodically (the coordinator's tick): the number of events left out, when there are any and
    /// `interval` has passed since the last line, for a summary line logged now; else nil.
    public mutating func due(now: ClusterTime) -> Int? {
        guard self.suppressed > 0, let last = self.lastLine, now - last >= self.interval else { return nil }
        return self.logged(now: now)
    }

    private mutating func logged(now: ClusterTime) -> Int {
        defer { self.suppressed = 0 }
        self.lastLine = now
        return self.suppressed
    }
}
