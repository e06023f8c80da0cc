/// The cancels each worker was sent, so a worker that keeps heartbeating (or reporting) a run it was told to stop,
/// because its training thread hangs or the cancel was lost, is told again only after a back-off that doubles every
/// time instead of on every message: each cancel is an event in the study's log. Pure: time comes in as arguments.
struct CancelBackoff: Sendable {
    /// The wait before the first repeat of a cancel.
    static let firstRepeat: Duration = .seconds(10)
    /// The last run each worker was told to stop.
    private var sent: [WorkerID: Sent] = [:]

    private struct Sent: Sendable {
        var run: RunID
        var wait: Duration
        var repeatAfter: ClusterTime
    }

    /// `directives` without the cancels each worker was already sent for the same run within its back-off (a cancel
    /// left with no worker is dropped); records the cancels that go out.
    mutating func filter(_ directives: [SchedulerDirective], now: ClusterTime) -> [SchedulerDirective] {
        var kept: [SchedulerDirective] = []
        for directive in directives {
            guard case .cancel(let workers, let trial, let attempt, let reason) = directive else {
                kept.append(directive)
                continue
            }
            let due = workers.filter { self.admit($0, trial: trial, attempt: attempt, now: now) }
            if !due.isEmpty { kept.append(.cancel(workers: due, trial: trial, attempt: attempt, reason: reason)) }
        }
        return kept
    }

    /// Whether `worker` is to be told to stop `trial`'s run `attempt` now; records it if so.
    private mutating func admit(_ worker: WorkerID, trial: TrialID, attempt: Int, now: ClusterTime) -> Bool {
        let run = RunID(trial: trial, attempt: attempt)
        var wait = Self.firstRepeat
        if let last = self.sent[worker], last.run == run {
            guard now >= last.repeatAfter else { return false }
            wait = last.wait * 2
        }
        self.sent[worker] = Sent(run: run, wait: wait, repeatAfter: now + wait)
        return true
    }
}
