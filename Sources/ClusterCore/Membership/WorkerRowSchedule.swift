/// When each worker's stored row (last seen, busy, status) is due to be written again, so heartbeats keep the
/// rows fresh without a database write per heartbeat: a row is due when its worker was heard after the moment the
/// row last recorded and the row was written at least `interval` ago. The shell writes all due rows in one batch.
/// Pure: time comes in as arguments.
public struct WorkerRowSchedule: Sendable {
    /// The shortest time between two writes of one worker's row.
    public let interval: Duration
    private var written: [WorkerID: Written] = [:]

    private struct Written: Sendable {
        /// The last-heard time the row holds.
        var heard: ClusterTime
        /// When the row was written.
        var at: ClusterTime
    }

    /// A schedule with no row written yet.
    public init(interval: Duration) {
        self.interval = interval
    }

    /// The workers among `members` whose rows are due at `now`, in id order.
    public func due(_ members: [WorkerID: MemberRecord], now: ClusterTime) -> [WorkerID] {
        members.compactMap { id, record in
            guard let written = self.written[id] else { return id }
            return record.lastHeard > written.heard && now - written.at >= self.interval ? id : nil
        }.sorted()
    }

    /// `worker`'s row was written at `now` with `heard` as its last-seen time (by a batch or a state transition).
    public mutating func recordWritten(_ worker: WorkerID, heard: ClusterTime, at now: ClusterTime) {
        self.written[worker] = Written(heard: heard, at: now)
    }
}
