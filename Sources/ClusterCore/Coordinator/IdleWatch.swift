/// Idle heartbeats from workers the schedule has in a running trial's group.
///
/// Such a heartbeat is normal for a moment: one sent before the assignment arrived, or one from a rank whose run
/// ended just before rank 0's result arrives. A run is taken for lost only when its worker has said idle for the
/// whole grace, counted from its first idle heartbeat after the assignment; a busy heartbeat, or another run, starts
/// the count again. Pure: time comes in as arguments.
struct IdleWatch: Sendable {
    /// How long a worker may say idle during its run before the run is lost.
    let grace: Duration
    /// The first idle heartbeat of each worker during its current run.
    private var since: [WorkerID: Since] = [:]

    private struct Since: Sendable {
        var run: RunID
        var at: ClusterTime
    }

    init(grace: Duration) { self.grace = grace }

    /// `worker` heartbeats idle at `now` while the schedule has it in `run` (nil: in none). True once it has said
    /// idle for the grace during `run`; then forgets it, so the run is reported once.
    mutating func isLost(_ worker: WorkerID, during run: RunID?, now: ClusterTime) -> Bool {
        guard let run else {
            self.since[worker] = nil
            return false
        }
        guard let first = self.since[worker], first.run == run else {
            self.since[worker] = Since(run: run, at: now)
            return false
        }
        guard now - first.at >= self.grace else { return false }
        self.since[worker] = nil
        return true
    }

    /// `worker` heartbeats busy: whatever it said before does not count.
    mutating func busy(_ worker: WorkerID) {
        self.since[worker] = nil
    }
}
