import ClusterProto
import Foundation
import Logging

// MARK: - A study store that refuses writes

/// While the study store refuses a transition, the coordinator is paused rather than drifting from its database:
///
/// - The refused transition (and any made after it) is kept in memory, in order, and nothing it would send goes
///   out. It is retried after `CoordinatorSettings.storeRetry`'s back-off (0.1 s, doubling to at most 5 s); each
///   retry prepares it again (checkpoint files are rewritten atomically, resume checkpoints read again) and commits
///   it in one transaction, so a retry never writes half of it or twice.
/// - No new transition is made: no tick (so no worker is declared dead for silence the outage caused), no new
///   trial, no operator request (inbox files wait).
/// - Messages from workers that would change state (Hello, Heartbeat, Progress, CheckpointUpload, TrialResult,
///   TrialFailure) are queued in arrival order (``DeferredMessages``: heartbeats coalesced, repeated Hellos
///   and re-sent copies of queued reports dropped) and handled once the store works again, before the next tick, at the time they are handled: the pause
///   never counts as a worker's silence (a worker that died during it is declared dead once it has been silent for
///   its timeout after the pause). Workers send results and checkpoints once, so refusing them would lose them. Messages that change nothing (an Ack, an Error, bad messages) are
///   answered as usual. When the queue is full (`deferredMessageLimit` messages or `deferredByteLimit` bytes) a
///   further report is refused with an `internal` Error and a further heartbeat dropped; the run whose report was
///   refused ends as lost when its worker reports idle (`IdleWatch`) and resumes from its last stored checkpoint.
/// - A coordinator stopped during an outage loses only the unwritten transitions: the database holds the state
///   after the last committed one, and a restart continues from there (running trials re-queued from checkpoints).
extension CoordinatorService {
    /// Starts an outage: `transition` is kept, scheduling stops, and the operator is told what failed and when
    /// the store is tried again.
    func beginOutage(keeping transition: Transition, error: StudyStoreError) {
        let outage = StoreOutage(failedAt: self.now(), settings: self.settings.storeRetry)
        self.outage = outage
        self.unwritten = [transition]
        let what =
            "the study store refused a state transition: scheduling is paused and nothing that depends on it is "
            + "sent; the transition is kept and retried until the store accepts it; workers' messages are queued"
        self.logger.error(
            "\(what)",
            metadata: [
                "error": "\(error)",
                "retry": "in \(outage.delay), doubling to at most \(self.settings.storeRetry.maximumDelay)",
            ])
    }

    /// Retries the unwritten transitions in order if the back-off allows; once all are written, resumes:
    /// records the outage in the study's log and handles the queued messages.
    func retryUnwritten() {
        guard var outage = self.outage, outage.isDue(self.now()) else { return }
        while let transition = self.unwritten.first {
            do {
                try self.carryOut(transition)
                self.unwritten.removeFirst()
            } catch {
                outage.failedAgain(at: self.now())
                self.outage = outage
                self.logger.warning(
                    "the study store still refuses the transition; scheduling stays paused",
                    metadata: [
                        "error": "\(error)", "failures": "\(outage.failures)",
                        "paused_for": "\(self.now() - outage.began)", "retry": "in \(outage.delay)",
                        "queued_messages": "\(self.deferred.count)",
                    ])
                return
            }
        }
        self.outage = nil
        let pause = self.now() - outage.began
        let summary =
            "writes failed for \(pause) (\(outage.failures) failed commits); \(self.deferred.count) queued "
            + "messages handled now"
        self.logger.notice(
            "the study store accepts writes again: scheduling resumes", metadata: ["detail": "\(summary)"])
        var changes = StudyChanges()
        changes.events = [StudyEvent(at: Date(), kind: "store.recovered", message: summary)]
        self.perform([], changes: changes)
        self.replayDeferred()
    }

    /// Handles the queued messages in arrival order until the queue is empty or the store fails again.
    private func replayDeferred() {
        while self.outage == nil, let item = self.deferred.popFirst() {
            self.dispatch(item.message, identity: item.identity, key: item.key)
        }
    }

    /// Queues a state-changing message during an outage; refuses a report (and drops a heartbeat) when the queue is
    /// full.
    func deferDuringOutage(_ message: WireMessage, identity: [UInt8], key: String?) {
        let item = DeferredMessage(identity: identity, key: key, message: message)
        guard self.deferred.append(item) == .full else { return }
        if case .heartbeat = message.envelope.body { return }
        self.logger.warning(
            "refused a worker's message: the study store is failing and the queue of held messages is full",
            metadata: ["kind": "\(message.envelope.body?.kind ?? "none")", "queued": "\(self.deferred.count)"])
        let error = WireError(
            .internal, "the coordinator's study store is failing and its message queue is full; send again later",
            sequence: message.envelope.sequence)
        self.send(error.replyEnvelope(sequence: self.takeSequence()), to: identity)
    }

    /// Logs what a coordinator stopping during an outage leaves unwritten.
    func reportUnwrittenAtExit() {
        guard self.outage != nil else { return }
        let what =
            "stopping while the study store refuses writes: the last transitions are not in the database, which "
            + "holds the state after the last committed one; a restart continues from there"
        self.logger.error(
            "\(what)",
            metadata: ["unwritten": "\(self.unwritten.count)", "queued_messages": "\(self.deferred.count)"])
    }
}
