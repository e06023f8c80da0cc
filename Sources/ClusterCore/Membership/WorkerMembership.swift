import ClusterProto

/// Worker registration and heartbeat failure detection as a pure state machine.
///
/// Every event takes the current time and returns directives; nothing here reads a clock, sleeps or touches a
/// socket. A worker is identified by its id and *incarnation*: a restarted worker process registers again with a
/// larger incarnation, which retires the old one (`.lost`) even if the old one never missed a heartbeat.
///
/// ```
///  Hello ──► alive ──silence > suspectAfter──► suspect ──silence > deadAfter──► dead ──Hello──► alive
///              ▲                                  │
///              └──────────── any message ─────────┘
/// ```
public struct WorkerMembership: Sendable {
    /// Heartbeat timing.
    public let settings: MembershipSettings
    /// Every worker seen, dead ones included (for status), by id.
    public private(set) var members: [WorkerID: MemberRecord] = [:]

    /// Creates an empty membership.
    /// - Precondition: `settings.isConsistent`.
    public init(settings: MembershipSettings = MembershipSettings()) {
        precondition(settings.isConsistent, "membership timeouts must grow: interval < suspect < dead")
        self.settings = settings
    }

    /// The workers that are alive or suspect, in id order.
    public var liveWorkers: [WorkerID] {
        self.members.values.filter { $0.status != .dead }.map(\.info.id).sorted()
    }

    // MARK: - Events

    /// A worker registered (first time, again after being declared dead, or after restarting).
    public mutating func onHello(_ info: WorkerInfo, now: ClusterTime) -> [MembershipDirective] {
        guard let known = self.members[info.id] else {
            self.members[info.id] = MemberRecord(info: info, status: .alive, lastHeard: now, isBusy: false)
            return [.welcome(info), .joined(info.id)]
        }
        if info.incarnation < known.info.incarnation {
            return [.reject(info.id, Self.stale(info.incarnation, current: known.info.incarnation))]
        }
        var directives: [MembershipDirective] = []
        if info.incarnation > known.info.incarnation && known.status != .dead {
            directives.append(
                .lost(
                    info.id, incarnation: known.info.incarnation,
                    reason: "restarted as incarnation \(info.incarnation)"))
        }
        let isSameLiveIncarnation = info.incarnation == known.info.incarnation && known.status != .dead
        self.members[info.id] = MemberRecord(
            info: info, status: .alive, lastHeard: now, isBusy: isSameLiveIncarnation && known.isBusy)
        directives.append(.welcome(info))
        if !isSameLiveIncarnation {
            directives.append(.joined(info.id))
        } else if known.status == .suspect {
            directives.append(.recovered(info.id))
        }
        return directives
    }

    /// Any other valid message arrived from `id` (a heartbeat, progress, a result, …).
    /// - Parameter incarnation: the incarnation the message names (heartbeats do), or nil to accept the current.
    public mutating func onHeard(_ id: WorkerID, incarnation: UInt64?, now: ClusterTime) -> [MembershipDirective] {
        guard var record = self.members[id], record.status != .dead else {
            return [.reject(id, WireError(.notRegistered, "worker \(id) is not registered: send Hello"))]
        }
        if let incarnation, incarnation != record.info.incarnation {
            if incarnation < record.info.incarnation {
                return [.reject(id, Self.stale(incarnation, current: record.info.incarnation))]
            }
            return [.reject(id, WireError(.notRegistered, "incarnation \(incarnation) of \(id) is not registered"))]
        }
        let wasSuspect = record.status == .suspect
        record.status = .alive
        record.lastHeard = max(record.lastHeard, now)
        self.members[id] = record
        return wasSuspect ? [.recovered(id)] : []
    }

    /// Declares a live worker dead at once, for a reason other than silence (its CURVE key was revoked, say). It
    /// goes the way of a silent one: `.lost`, and a Hello registers it again.
    /// - Returns: `.lost`, or nothing when the worker is unknown or already dead.
    public mutating func remove(_ id: WorkerID, reason: String) -> [MembershipDirective] {
        guard var record = self.members[id], record.status != .dead else { return [] }
        record.status = .dead
        record.isBusy = false
        self.members[id] = record
        return [.lost(id, incarnation: record.info.incarnation, reason: reason)]
    }

    /// Marks a worker busy (member of a running trial) or idle, which selects its timeouts.
    public mutating func setBusy(_ id: WorkerID, _ busy: Bool) {
        self.members[id]?.isBusy = busy
    }

    /// Checks every live worker's silence; call it about every heartbeat interval.
    /// - Returns: `.suspected` and `.lost` directives, in worker-id order.
    public mutating func onTick(now: ClusterTime) -> [MembershipDirective] {
        var directives: [MembershipDirective] = []
        for id in self.liveWorkers {
            guard var record = self.members[id] else { continue }
            let silence = now - record.lastHeard
            let suspectAfter = record.isBusy ? self.settings.busySuspectAfter : self.settings.idleSuspectAfter
            let deadAfter = record.isBusy ? self.settings.busyDeadAfter : self.settings.idleDeadAfter
            if silence > deadAfter {
                let mode = record.isBusy ? "busy" : "idle"
                record.status = .dead
                record.isBusy = false
                directives.append(
                    .lost(
                        id, incarnation: record.info.incarnation,
                        reason: "no message for \(silence) (\(mode) timeout \(deadAfter))"))
            } else if silence > suspectAfter && record.status == .alive {
                record.status = .suspect
                directives.append(.suspected(id))
            }
            self.members[id] = record
        }
        return directives
    }

    // MARK: - Helpers

    private static func stale(_ incarnation: UInt64, current: UInt64) -> WireError {
        WireError(.unexpected, "incarnation \(incarnation) is older than the registered \(current)")
    }
}
