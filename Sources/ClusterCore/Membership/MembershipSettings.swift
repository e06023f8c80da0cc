/// Heartbeat timing of the failure detector. Busy workers get longer timeouts: their heartbeat thread competes
/// with training for the CPU.
public struct MembershipSettings: Sendable, Equatable {
    /// How often workers heartbeat (sent to them in `Welcome`).
    public var heartbeatInterval: Duration = .milliseconds(500)
    /// Silence after which an idle worker is suspected.
    public var idleSuspectAfter: Duration = .seconds(2)
    /// Silence after which an idle worker is declared dead.
    public var idleDeadAfter: Duration = .seconds(5)
    /// Silence after which a busy worker is suspected.
    public var busySuspectAfter: Duration = .seconds(4)
    /// Silence after which a busy worker is declared dead (its trial is then re-queued).
    public var busyDeadAfter: Duration = .seconds(10)

    /// The default timing.
    public init() {}

    /// True when every timeout exceeds the interval and suspicion comes before death.
    public var isConsistent: Bool {
        self.heartbeatInterval > .zero && self.idleSuspectAfter > self.heartbeatInterval
            && self.idleDeadAfter > self.idleSuspectAfter && self.busySuspectAfter > self.heartbeatInterval
            && self.busyDeadAfter > self.busySuspectAfter
    }
}
