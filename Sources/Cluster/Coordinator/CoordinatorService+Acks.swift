import ClusterProto
import Foundation
import Logging

// MARK: - Acknowledging workers' reports

/// A worker re-sends its results, checkpoint uploads and failures until the coordinator acknowledges them
/// (`WorkerService+Redelivery.swift`). The coordinator sends the `Ack` (`acked_sequence` = the report's sequence)
/// only after the state transition that records the report is committed, so an Ack means the report is durable; a
/// report held during a store outage is acknowledged once it has been handled after the outage. A report the
/// schedule rejects (its run is over) is acknowledged too, beside the `Error`: sending it again would change nothing.
/// A repeat of a report already recorded (`TrialScheduler.isRepeat`) is acknowledged again and changes nothing.
extension CoordinatorService {
    /// Sends the `Ack` of a worker's message to the connection it came from.
    func acknowledge(_ receipt: InboundReceipt) {
        var ack = Mixrec_Cluster_V1_Ack()
        ack.ackedSequence = receipt.sequence
        self.send(WireEnvelope.make(sequence: self.takeSequence(), body: .ack(ack)), to: receipt.identity)
    }
}

extension WorkerReport {
    /// Whether the coordinator acknowledges this kind of report (all but progress, which is sent every epoch and
    /// never re-sent: a lost one is superseded by the next).
    var isAcknowledged: Bool {
        if case .progress = self { return false }
        return true
    }
}

// MARK: - Assignments and cancels the workers acknowledge

/// An assignment or cancel the coordinator re-sends until the worker acknowledges it: the worker, the run, and the
/// message as first sent (a re-send keeps its sequence number, which the worker's `Ack` names).
struct SentOrder: Sendable {
    var worker: WorkerID
    var run: RunID
    var isAssignment: Bool
    var envelope: WireEnvelope
    var blobs: [[UInt8]]
}

/// A worker acknowledges every assignment and cancel it receives (a repeat included: it neither starts a run twice
/// nor cancels twice). The coordinator keeps each (``Redelivery``) and sends it again after
/// `settings.redelivery`'s back-off (1 s, doubling to at most 8 s) until it is acknowledged, the worker is declared
/// lost, an assignment's run is no longer the worker's current run, or `giveUpAfter` (2 minutes) has passed (logged:
/// the heartbeats then resolve it, see `IdleWatch` and `TrialScheduler.reconcile`). Re-sends happen on ticks, so not
/// during a store outage.
extension CoordinatorService {
    /// Sends an assignment or cancel of `run` to `worker` and keeps it until it is acknowledged.
    func sendOrder(_ body: WireBody, blobs: [[UInt8]], to worker: WorkerID, run: RunID) {
        guard let identity = self.identities[worker] else { return }
        let envelope = WireEnvelope.make(sequence: self.takeSequence(), body: body)
        var isAssignment = false
        if case .assignment = body { isAssignment = true }
        self.undelivered.sent(
            envelope.sequence,
            SentOrder(worker: worker, run: run, isAssignment: isAssignment, envelope: envelope, blobs: blobs),
            now: self.now())
        self.send(envelope, blobs: blobs, to: identity)
    }

    /// `worker` acknowledged the coordinator's message `sequence`.
    func acknowledged(_ sequence: UInt64, by worker: WorkerID) {
        // Sequence numbers are unique per coordinator; an Ack naming another worker's message is ignored.
        guard self.undelivered[sequence]?.worker == worker else { return }
        self.undelivered.acknowledged(sequence)
    }

    /// Stops re-sending anything to `worker` (it was declared lost).
    func forgetOrders(to worker: WorkerID) {
        self.undelivered.forget { $0.worker == worker }
    }

    /// Sends again the assignments and cancels whose acknowledgement is overdue and still matter.
    func resendUnacknowledged() {
        guard self.undelivered.count > 0 else { return }
        // An assignment whose run the worker no longer has (the trial ended or moved) is not worth re-sending.
        self.undelivered.forget { order in
            order.isAssignment && self.core.scheduler.run(of: order.worker) != order.run
        }
        let (resend, givenUp) = self.undelivered.due(now: self.now())
        for due in resend {
            guard let identity = self.identities[due.item.worker] else { continue }
            self.logger.debug(
                "re-sending an unacknowledged message",
                metadata: [
                    "kind": "\(due.item.envelope.body?.kind ?? "?")", "worker": "\(due.item.worker)",
                    "run": "\(due.item.run)", "age": "\(due.age)",
                ])
            self.send(due.item.envelope, blobs: due.item.blobs, to: identity)
        }
        for due in givenUp {
            self.logger.warning(
                "gave up re-sending a message the worker never acknowledged",
                metadata: [
                    "kind": "\(due.item.envelope.body?.kind ?? "?")", "worker": "\(due.item.worker)",
                    "run": "\(due.item.run)", "after": "\(due.age)",
                ])
        }
    }
}
