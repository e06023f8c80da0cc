import ClusterCore
import Testing

/// Heartbeat-driven worker rows: due when the worker was heard since the row was written, at most once per interval.
@Suite struct WorkerRowScheduleTests {
    private func members(_ heard: [String: Double]) -> [WorkerID: MemberRecord] {
        var membership = WorkerMembership()
        for (id, _) in heard { _ = membership.onHello(WorkerInfo(id: WorkerID(id), incarnation: 1), now: .zero) }
        for (id, seconds) in heard { _ = membership.onHeard(WorkerID(id), incarnation: 1, now: .seconds(seconds)) }
        return membership.members
    }

    @Test func aRowIsDueOnlyWhenHeardSinceItsWriteAndTheIntervalHasPassed() {
        var schedule = WorkerRowSchedule(interval: .seconds(1))
        // Never written: due at once.
        #expect(schedule.due(self.members(["a": 0.1, "b": 0.1]), now: .seconds(0.1)) == ["a", "b"])
        schedule.recordWritten("a", heard: .seconds(0.1), busy: false, at: .seconds(0.1))
        schedule.recordWritten("b", heard: .seconds(0.1), busy: false, at: .seconds(0.1))
        // Heard again, but within the interval: not due (no write per heartbeat).
        #expect(schedule.due(self.members(["a": 0.6, "b": 0.1]), now: .seconds(0.6)).isEmpty)
        // The interval has passed: due only for the worker heard since.
        #expect(schedule.due(self.members(["a": 1.1, "b": 0.1]), now: .seconds(1.2)) == ["a"])
        schedule.recordWritten("a", heard: .seconds(1.1), busy: false, at: .seconds(1.2))
        #expect(schedule.due(self.members(["a": 1.1, "b": 0.1]), now: .seconds(5)).isEmpty)
    }

    @Test func heartbeatsEveryFiftyMillisecondsForThreeSecondsWriteARowAtMostOncePerInterval() {
        var schedule = WorkerRowSchedule(interval: .milliseconds(500))
        var membership = WorkerMembership()
        _ = membership.onHello(WorkerInfo(id: "a", incarnation: 1), now: .zero)
        var writes = 0
        for tick in 1...60 {
            let now = ClusterTime(milliseconds: Int64(tick) * 50)
            _ = membership.onHeard("a", incarnation: 1, now: now)
            for worker in schedule.due(membership.members, now: now) {
                schedule.recordWritten(worker, heard: membership.members[worker]!.lastHeard, busy: false, at: now)
                writes += 1
            }
        }
        #expect(writes == 6)
    }

    @Test func aRowWhoseBusyFlagChangedIsDueAtOnceAndListedForTheTransition() {
        var schedule = WorkerRowSchedule(interval: .seconds(60))
        var membership = WorkerMembership()
        _ = membership.onHello(WorkerInfo(id: "a", incarnation: 1), now: .zero)
        _ = membership.onHello(WorkerInfo(id: "b", incarnation: 1), now: .zero)
        schedule.recordWritten("a", heard: .zero, busy: true, at: .zero)
        schedule.recordWritten("b", heard: .zero, busy: false, at: .zero)
        // "a"'s trial ended (the membership says idle), long before the interval passes: its row is stale.
        #expect(schedule.busyChanged(membership.members) == ["a"])
        #expect(schedule.due(membership.members, now: .seconds(0.1)) == ["a"])
        schedule.recordWritten("a", heard: .zero, busy: false, at: .seconds(0.1))
        #expect(schedule.busyChanged(membership.members).isEmpty)
        #expect(schedule.due(membership.members, now: .seconds(0.2)).isEmpty)
    }
}
