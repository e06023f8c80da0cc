/// When each worker's stored row (last seen, busy, status) is due to be written again, so heartbeats keep the
/// rows fresh without a database write per heartbeat: a row is due when its worker was heard after the moment the
/// row last recorded and the row was written at least `interval` ago, or at once when its busy flag changed. The
/// shell writes all due rows in one batch, and rows whose busy flag a transition changed with that transition.
/// Pure: time comes in as arguments.
public struct WorkerRowSchedule: Sendable {
    /// The shortest time between two writes of one worker's row.
    public let interval: Duration
    private var written: [WorkerID: Written] = [:]

    private struct Written: Sendable {
        /// The last-heard time the row holds.
        var heard: ClusterTime
        /// The busy flag the row holds.
        var busy: Bool
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
            if written.busy != record.isBusy { return id }
            return record.lastHeard > written.heard && now - written.at >= self.interval ? id : nil
        }.sorted()
    }

    /// The workers among `members` whose written rows hold another busy flag than they have now (a trial started or
    /// ended), in id order.
    public func busyChanged(_ members: [WorkerID: MemberRecord]) -> [WorkerID] {
        members.compactMap { id, record in
            guard let written = self.written[id], written.busy != record.isBusy else { return nil }
            return id
        }.sorted()
    }

    /// `worker`'s row was written at `now` with `heard` as its last-seen time and `busy` as its busy flag (by a
    /// batch or a state transition).
    public mutating func recordWritten(_ worker: WorkerID, heard: ClusterTime, busy: Bool, at now: ClusterTime) {
        self.written[worker] = Written(heard: heard, busy: busy, at: now)
    }
}
