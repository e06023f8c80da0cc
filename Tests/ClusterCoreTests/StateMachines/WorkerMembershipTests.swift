import ClusterCore
import ClusterProto
import Testing

/// Failure detection with explicit time (seconds since an origin), no sleeps.
@Suite struct WorkerMembershipTests {
    static let settings: MembershipSettings = {
        var settings = MembershipSettings()
        settings.heartbeatInterval = .seconds(1)
        settings.idleSuspectAfter = .seconds(3)
        settings.idleDeadAfter = .seconds(6)
        settings.busySuspectAfter = .seconds(5)
        settings.busyDeadAfter = .seconds(10)
        return settings
    }()

    let info = WorkerInfo(id: "w1", incarnation: 100, host: "node1", cores: 2, peerEndpoint: "tcp://127.0.0.1:7001")

    private func registered() -> WorkerMembership {
        var membership = WorkerMembership(settings: Self.settings)
        _ = membership.onHello(self.info, now: .zero)
        return membership
    }

    @Test func helloRegistersWelcomesAndAnnouncesTheWorker() {
        var membership = WorkerMembership(settings: Self.settings)
        #expect(membership.onHello(self.info, now: .seconds(1)) == [.welcome(self.info), .joined("w1")])
        #expect(membership.members["w1"]?.status == .alive)
        #expect(membership.onHello(self.info, now: .seconds(2)) == [.welcome(self.info)])
        #expect(membership.liveWorkers == ["w1"])
    }

    @Test func idleWorkerGoesSuspectThenDeadOnlyAfterTheTimeouts() {
        var membership = self.registered()
        #expect(membership.onTick(now: .seconds(3)).isEmpty)
        #expect(membership.onTick(now: .seconds(3.001)) == [.suspected("w1")])
        #expect(membership.onTick(now: .seconds(4)).isEmpty)
        #expect(membership.members["w1"]?.status == .suspect)
        #expect(membership.onTick(now: .seconds(6)).isEmpty)
        let lost = membership.onTick(now: .seconds(6.001))
        #expect(lost.count == 1)
        guard case .lost(let worker, let incarnation, let reason) = lost.first else {
            Issue.record("expected .lost, got \(lost)")
            return
        }
        #expect(worker == "w1" && incarnation == 100)
        #expect(reason.contains("idle"))
        #expect(membership.members["w1"]?.status == .dead)
        #expect(membership.onTick(now: .seconds(60)).isEmpty)
        #expect(membership.liveWorkers.isEmpty)
    }

    @Test func anyMessageRecoversASuspectAndRestartsTheClock() {
        var membership = self.registered()
        _ = membership.onTick(now: .seconds(4))
        #expect(membership.onHeard("w1", incarnation: 100, now: .seconds(4.5)) == [.recovered("w1")])
        #expect(membership.onHeard("w1", incarnation: nil, now: .seconds(5)).isEmpty)
        #expect(membership.onTick(now: .seconds(8)).isEmpty)
        #expect(membership.onTick(now: .seconds(8.5)) == [.suspected("w1")])
    }

    @Test func busyWorkersGetTheLongerTimeouts() {
        var membership = self.registered()
        membership.setBusy("w1", true)
        #expect(membership.onTick(now: .seconds(4)).isEmpty)
        #expect(membership.onTick(now: .seconds(7)) == [.suspected("w1")])
        let lost = membership.onTick(now: .seconds(10.5))
        guard case .lost(_, _, let reason) = lost.first else {
            Issue.record("expected .lost, got \(lost)")
            return
        }
        #expect(reason.contains("busy"))
    }

    @Test func restartWithANewIncarnationRetiresTheOldOne() {
        var membership = self.registered()
        membership.setBusy("w1", true)
        var restarted = self.info
        restarted.incarnation = 200
        let directives = membership.onHello(restarted, now: .seconds(1))
        #expect(
            directives == [
                .lost("w1", incarnation: 100, reason: "restarted as incarnation 200"), .welcome(restarted),
                .joined("w1"),
            ])
        #expect(membership.members["w1"]?.isBusy == false)
        #expect(membership.members["w1"]?.info.incarnation == 200)
    }

    @Test func staleIncarnationsAreRejected() {
        var membership = self.registered()
        var old = self.info
        old.incarnation = 99
        let hello = membership.onHello(old, now: .seconds(1))
        guard case .reject(_, let error) = hello.first else {
            Issue.record("expected a rejection, got \(hello)")
            return
        }
        #expect(error.code == .unexpected)
        let heard = membership.onHeard("w1", incarnation: 99, now: .seconds(1))
        guard case .reject(_, let heardError) = heard.first else {
            Issue.record("expected a rejection, got \(heard)")
            return
        }
        #expect(heardError.code == .unexpected)
        #expect(membership.members["w1"]?.info.incarnation == 100)
    }

    @Test func unknownAndDeadSendersMustRegisterAgain() {
        var membership = self.registered()
        let unknown = membership.onHeard("ghost", incarnation: 1, now: .seconds(1))
        guard case .reject("ghost", let error) = unknown.first else {
            Issue.record("expected a rejection, got \(unknown)")
            return
        }
        #expect(error.code == .notRegistered)
        _ = membership.onTick(now: .seconds(7))
        let dead = membership.onHeard("w1", incarnation: 100, now: .seconds(8))
        guard case .reject(_, let deadError) = dead.first else {
            Issue.record("expected a rejection, got \(dead)")
            return
        }
        #expect(deadError.code == .notRegistered)
        #expect(membership.onHello(self.info, now: .seconds(9)) == [.welcome(self.info), .joined("w1")])
        #expect(membership.members["w1"]?.status == .alive)
    }

    @Test func aRemovedWorkerIsLostAtOnceAndMayRegisterAgain() {
        var membership = self.registered()
        membership.setBusy("w1", true)
        #expect(
            membership.remove("w1", reason: "key revoked") == [.lost("w1", incarnation: 100, reason: "key revoked")])
        #expect(membership.members["w1"]?.status == .dead && membership.members["w1"]?.isBusy == false)
        #expect(membership.remove("w1", reason: "again").isEmpty, "already dead")
        #expect(membership.remove("ghost", reason: "unknown").isEmpty)
        #expect(membership.onTick(now: .seconds(60)).isEmpty, "not lost a second time by silence")
        guard case .reject(_, let error) = membership.onHeard("w1", incarnation: 100, now: .seconds(61)).first else {
            Issue.record("a removed worker's messages must be rejected")
            return
        }
        #expect(error.code == .notRegistered)
        #expect(membership.onHello(self.info, now: .seconds(62)) == [.welcome(self.info), .joined("w1")])
    }
}
