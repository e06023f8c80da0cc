import ClusterCore
import ClusterCoreTestKit
import Search
import Testing

/// "Computed once": while a run computes a shared warm start the coordinator does not hold, no other trial that
/// needs it starts; the upload, or the end of that run without one, releases the trials that wait.
@Suite struct WarmStartHoldBackTests {
    private let naming = SeedWarmStarts()

    private func core(budget: Int, seeding: TrialSeeding = TrialSeeding()) -> CoordinatorCore {
        var settings = SchedulerSettings(budget: budget, groupSize: 1)
        settings.seeding = seeding
        return CoordinatorCore(
            membership: WorkerMembership(settings: WorkerMembershipTests.settings),
            scheduler: TrialScheduler(settings: settings))
    }

    /// A core with workers `a` and `b` registered at t = 0.
    private func twoWorkers(budget: Int, seeding: TrialSeeding = TrialSeeding()) -> CoordinatorCore {
        var core = self.core(budget: budget, seeding: seeding)
        for id: WorkerID in ["a", "b"] { _ = core.onHello(WorkerInfo(id: id, incarnation: 1), now: .zero) }
        return core
    }

    @Test func aTrialWaitsForTheWarmStartAnotherRunComputesAndThenGetsItShipped() {
        var core = self.twoWorkers(budget: 3)
        var proposer = CountingProposer()
        let first = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(first.map(\.members) == [["a"]], "b stays idle: trial 2 needs the warm start trial 1 computes")
        #expect(first.first?.warmStart == .compute("ws-0"))
        #expect(core.scheduler.waitingQueue.count == 1)
        let start = TrainingPosition(epoch: 0, step: 0)
        for second in 1...5 {
            let now = ClusterTime.seconds(Double(second))
            _ = core.onHeartbeat(from: "a", incarnation: 1, runs: (TrialID(1), 1, start), now: now)
            _ = core.onHeartbeat(from: "b", incarnation: 1, runs: nil, now: now)
            _ = core.onTick(now: now)
            #expect(core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments.isEmpty)
        }
        #expect(core.wantsWarmStart("ws-0"))
        core.onWarmStartStored("ws-0")
        #expect(!core.wantsWarmStart("ws-0"), "a second upload is not stored again")
        let second = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(second.map(\.members) == [["b"]])
        #expect(second.first?.warmStart == .ship("ws-0"))
    }

    @Test func aRunThatDiesBeforeUploadingLetsTheNextTrialComputeIt() {
        var core = self.twoWorkers(budget: 2)
        var proposer = CountingProposer()
        let first = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(first.map(\.members) == [["a"]])
        // a falls silent at t = 0 while computing; b heartbeats idle. The busy timeout is 10 s.
        var lostAt: ClusterTime?
        var started: [AssignmentPlan] = []
        for tenth in 1...120 {
            let now = ClusterTime.seconds(Double(tenth) / 10)
            if tenth % 10 == 0 { _ = core.onHeartbeat(from: "b", incarnation: 1, runs: nil, now: now) }
            let tick = core.onTick(now: now)
            started = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
            if tick.membershipEvents.contains(where: { if case .lost = $0 { true } else { false } }) {
                lostAt = now
                break
            }
            #expect(started.isEmpty, "nothing else starts while a computes the warm start (t = \(now))")
        }
        #expect(lostAt == .seconds(10.1))
        // Trial 1 is re-queued first, from scratch, and its new run computes the warm start; trial 2 waits again.
        #expect(started.map(\.trial) == [TrialID(1)])
        #expect(started.first?.attempt == 2 && started.first?.members == ["b"])
        #expect(started.first?.warmStart == .compute("ws-0"))
        #expect(core.scheduler.waitingQueue == [TrialID(2)])
    }

    @Test func trialsWithOtherSeedsComputeTheirOwnAtOnce() {
        var seeding = TrialSeeding()
        seeding.mode = .perTrial
        var core = self.twoWorkers(budget: 2, seeding: seeding)
        var proposer = CountingProposer()
        let plans = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(plans.map(\.warmStart) == [.compute("ws-1"), .compute("ws-2")])
    }

    @Test func withoutSharingNothingWaits() {
        var core = self.twoWorkers(budget: 2)
        var proposer = CountingProposer()
        let plans = core.fill(proposer: &proposer).scheduled.assignments
        #expect(plans.count == 2)
        #expect(plans.allSatisfy { $0.warmStart == nil })
    }

    @Test func aHeldWarmStartFromAnEarlierRunIsShippedAtOnce() {
        var core = self.twoWorkers(budget: 2)
        core.warmStartsHeld(["ws-0"])
        var proposer = CountingProposer()
        let plans = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(plans.map(\.warmStart) == [.ship("ws-0"), .ship("ws-0")])
    }

    @Test func aDamagedCopyIsComputedByTheRunThatWasToReceiveIt() {
        var core = self.core(budget: 2)
        core.warmStartsHeld(["ws-0"])
        _ = core.onHello(WorkerInfo(id: "a", incarnation: 1), now: .zero)
        var proposer = CountingProposer()
        let first = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(first.first?.warmStart == .ship("ws-0"))
        // The shell found the file damaged while preparing the assignment: the run computes it instead.
        core.onWarmStartMissing("ws-0", computedBy: RunID(trial: TrialID(1), attempt: 1))
        #expect(core.wantsWarmStart("ws-0"))
        _ = core.onHello(WorkerInfo(id: "b", incarnation: 1), now: .seconds(1))
        #expect(core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments.isEmpty)
    }

    @Test func aResumedRunNeitherWaitsNorComputes() {
        var core = self.twoWorkers(budget: 2)
        var proposer = CountingProposer()
        let first = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        _ = core.onReport(
            .checkpoint(trial: first[0].trial, attempt: 1, epoch: 1), from: "a", now: .seconds(1), pruner: NoPruning())
        _ = core.onReport(
            .failure(trial: first[0].trial, attempt: 1, reason: "peer lost", retryable: true), from: "a",
            now: .seconds(2), pruner: NoPruning())
        // Trial 1 resumes from its checkpoint and skips the warm start, so trial 2 computes it beside it.
        let next = core.fill(proposer: &proposer, naming: self.naming).scheduled.assignments
        #expect(next.map(\.trial) == [TrialID(1), TrialID(2)])
        #expect(next.first?.resumeEpoch == 1 && next.first?.warmStart == nil)
        #expect(next.last?.warmStart == .compute("ws-0"))
    }
}
