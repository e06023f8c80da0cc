import ClusterCore
import ClusterCoreTestKit
import ClusterProto
import Testing

/// Membership and scheduling together: the path from a silent worker to its trial running elsewhere.
@Suite struct CoordinatorCoreTests {
    private func core(budget: Int, groupSize: Int) -> CoordinatorCore {
        CoordinatorCore(
            membership: WorkerMembership(settings: WorkerMembershipTests.settings),
            scheduler: TrialScheduler(settings: SchedulerSettings(budget: budget, groupSize: groupSize)))
    }

    /// Where a fresh run's heartbeats start.
    private let start = TrainingPosition(epoch: 0, step: 0)

    private func info(_ id: WorkerID, incarnation: UInt64 = 1) -> WorkerInfo {
        WorkerInfo(id: id, incarnation: incarnation, peerEndpoint: "tcp://127.0.0.1:1")
    }

    @Test func silentBusyWorkerIsDeclaredDeadAndItsTrialResumesOnANewGroup() {
        var core = self.core(budget: 1, groupSize: 2)
        var proposer = CountingProposer()
        for id: WorkerID in ["a", "b", "c"] { _ = core.onHello(self.info(id), now: .zero) }
        let plan = core.fill(proposer: &proposer).scheduled.assignments[0]
        #expect(plan.members == ["a", "b"])
        #expect(core.membership.members["a"]?.isBusy == true)
        #expect(core.membership.members["c"]?.isBusy == false)
        _ = core.onReport(
            .checkpoint(trial: plan.trial, attempt: 1, epoch: 1), from: "a", now: .seconds(1), pruner: NoPruning())

        // a and c keep heartbeating; b falls silent at t=0. Idle c must survive past the idle timeout too.
        var lostAt: ClusterTime?
        var directives: [CoordinatorDirective] = []
        for tenth in 1...120 {
            let now = ClusterTime.seconds(Double(tenth) / 10)
            if tenth % 10 == 0 {
                _ = core.onHeartbeat(from: "a", incarnation: 1, runs: (plan.trial, 1, self.start), now: now)
                _ = core.onHeartbeat(from: "c", incarnation: 1, runs: nil, now: now)
            }
            let tick = core.onTick(now: now)
            if tick.membershipEvents.contains(where: { if case .lost = $0 { true } else { false } }) {
                lostAt = now
                directives = tick + core.fill(proposer: &proposer)
                break
            }
        }
        // Busy timeout is 10 s: b is lost at the first tick after it, not at the idle 6 s.
        #expect(lostAt == .seconds(10.1))
        #expect(directives.scheduled.cancels.map(\.workers) == [["a"]])
        // a may still be blocked in the all-reduce with b: no new group until its heartbeat says it is idle.
        #expect(directives.scheduled.assignments.isEmpty)
        _ = core.onHeartbeat(from: "a", incarnation: 1, runs: (plan.trial, 1, self.start), now: .seconds(10.2))
        #expect(core.fill(proposer: &proposer).scheduled.assignments.isEmpty, "still ending the old run")
        _ = core.onHeartbeat(from: "a", incarnation: 1, runs: nil, now: .seconds(10.3))
        let resumed = core.fill(proposer: &proposer).scheduled.assignments
        #expect(resumed.count == 1)
        #expect(resumed.first?.trial == plan.trial)
        #expect(resumed.first?.attempt == 2)
        #expect(resumed.first?.resumeEpoch == 1)
        #expect(Set(resumed.first?.members ?? []) == ["a", "c"])
        #expect(core.membership.members["b"]?.status == .dead)
    }

    @Test func onlyWorkersWithAPeerEndpointJoinGroupsOfTwoOrMore() {
        var core = self.core(budget: 1, groupSize: 2)
        var proposer = CountingProposer()
        _ = core.onHello(self.info("a"), now: .zero)
        _ = core.onHello(WorkerInfo(id: "b", incarnation: 1), now: .zero)
        #expect(!core.canJoinGroups("b") && core.canJoinGroups("a"))
        _ = core.onHeartbeat(from: "b", incarnation: 1, runs: nil, now: .seconds(0.5))
        #expect(core.fill(proposer: &proposer).scheduled.assignments.isEmpty, "a group of a and b could not all-reduce")
        _ = core.onHello(self.info("c"), now: .seconds(1))
        #expect(core.fill(proposer: &proposer).scheduled.assignments.map(\.members) == [["a", "c"]])
        var solo = self.core(budget: 1, groupSize: 1)
        #expect(!solo.canJoinGroups("b"), "an unknown worker joins nothing")
        _ = solo.onHello(WorkerInfo(id: "b", incarnation: 1), now: .zero)
        #expect(solo.canJoinGroups("b"), "groups of one need no peer endpoint")
    }

    @Test func reportsFromUnregisteredWorkersNeverReachTheScheduler() {
        var core = self.core(budget: 1, groupSize: 1)
        let directives = core.onReport(
            .result(trial: 1, attempt: 1, metrics: ["valid/ndcg@10": 1], seconds: 1), from: "ghost", now: .zero,
            pruner: NoPruning())
        #expect(directives.scheduled.isEmpty)
        guard case .reject(_, let error) = directives.membershipEvents.first else {
            Issue.record("expected a rejection, got \(directives)")
            return
        }
        #expect(error.code == .notRegistered)
    }

    @Test func restartedWorkerLosesItsOldRunAndIsToldToCancelIt() {
        var core = self.core(budget: 2, groupSize: 1)
        var proposer = CountingProposer()
        _ = core.onHello(self.info("a"), now: .zero)
        let plan = core.fill(proposer: &proposer).scheduled.assignments[0]
        let hello = core.onHello(self.info("a", incarnation: 2), now: .seconds(1))
        #expect(core.scheduler.trials[plan.trial]?.state == .waiting)
        #expect(hello.scheduled.contains(.trialChanged(core.scheduler.trials[plan.trial]!)))
        let next = core.fill(proposer: &proposer).scheduled.assignments
        #expect(next.map(\.trial) == [plan.trial])
        #expect(next.map(\.attempt) == [2])
        // A late heartbeat of the old run is answered with a cancel of attempt 1.
        let heartbeat = core.onHeartbeat(from: "a", incarnation: 2, runs: (plan.trial, 1, self.start), now: .seconds(2))
        #expect(heartbeat.scheduled.cancels.map(\.attempt) == [1])
    }
}
