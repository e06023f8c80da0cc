import ClusterProto
import Foundation
import Logging

// MARK: - Re-sending reports until the coordinator acknowledges them

/// A report the worker re-sends until it is acknowledged: the run it belongs to and the message as first sent (a
/// re-send keeps its sequence number, which the coordinator's `Ack` names).
struct SentReport: Sendable {
    var run: RunID
    var isCheckpoint: Bool
    /// A shared warm start's upload: still of use to the study after its run is cancelled.
    var isWarmStart: Bool
    var envelope: WireEnvelope
    var blobs: [[UInt8]]
}

/// Results, checkpoint and warm-start uploads and failures are sent once and kept (``Redelivery``) until the
/// coordinator's `Ack` names their sequence number, then forgotten. Until then each is sent again after
/// `settings.redelivery`'s back-off (1 s, doubling to at most 8 s by default) while the worker is registered, and
/// dropped when the coordinator cancels its run (but for a shared warm start's upload, which later trials need) or
/// shuts the worker down, or after `giveUpAfter` (2 minutes by default) with a warning: the coordinator then ends
/// the run as lost when this worker reports idle, and the trial resumes elsewhere from its newest stored checkpoint.
/// Memory stays bounded: a new checkpoint upload of a run replaces that run's unacknowledged one (the coordinator
/// only resumes from the newest), so at most one checkpoint, one warm start, one result or failure per run waits.
extension WorkerService {
    /// Sends a report of `run` and keeps it until it is acknowledged.
    func sendReport(_ body: WireBody, blobs: [[UInt8]] = [], run: RunID) {
        let envelope = WireEnvelope.make(sequence: self.takeSequence(), body: body)
        guard self.send(envelope, blobs: blobs) else { return }
        var isCheckpoint = false
        var isWarmStart = false
        switch body {
        case .checkpoint:
            isCheckpoint = true
            self.unacknowledged.forget { $0.isCheckpoint && $0.run == run }
        case .warmStart: isWarmStart = true
        default: break
        }
        let report = SentReport(
            run: run, isCheckpoint: isCheckpoint, isWarmStart: isWarmStart, envelope: envelope, blobs: blobs)
        self.unacknowledged.sent(envelope.sequence, report, now: self.now())
    }

    /// The coordinator acknowledged the message `sequence`.
    func acknowledged(_ sequence: UInt64) {
        self.unacknowledged.acknowledged(sequence)
    }

    /// The coordinator cancelled `run` (nil: shut the worker down): its reports but a warm start's upload are no
    /// longer sent again.
    func forgetReports(of run: RunID?) {
        let forgotten = self.unacknowledged.forget { run == nil || ($0.run == run && !$0.isWarmStart) }
        if forgotten > 0 {
            self.logger.debug(
                "stopped re-sending reports the coordinator no longer needs",
                metadata: ["run": "\(run.map { "\($0)" } ?? "all")", "reports": "\(forgotten)"])
        }
    }

    /// Sends again the reports whose acknowledgement is overdue (only while registered: an unregistered worker's
    /// reports would be refused) and gives up on those unacknowledged for `giveUpAfter`.
    func resendUnacknowledged() {
        guard self.core.isRegistered, self.unacknowledged.count > 0 else { return }
        let (resend, givenUp) = self.unacknowledged.due(now: self.now())
        for due in resend {
            self.logger.debug(
                "re-sending an unacknowledged report",
                metadata: [
                    "kind": "\(due.item.envelope.body?.kind ?? "?")", "run": "\(due.item.run)", "age": "\(due.age)",
                ])
            self.send(due.item.envelope, blobs: due.item.blobs)
        }
        for due in givenUp {
            self.logger.warning(
                "gave up re-sending a report the coordinator never acknowledged",
                metadata: [
                    "kind": "\(due.item.envelope.body?.kind ?? "?")", "run": "\(due.item.run)",
                    "after": "\(due.age)",
                ])
        }
    }
}

extension WireBody {
    /// The run of an upload a training thread queues that the coordinator acknowledges (a checkpoint or a shared
    /// warm start); nil for other bodies.
    var uploadedRun: RunID? {
        switch self {
        case .checkpoint(let upload): RunID(trial: TrialID(upload.trialID), attempt: Int(upload.attempt))
        case .warmStart(let upload): RunID(trial: TrialID(upload.trialID), attempt: Int(upload.attempt))
        default: nil
        }
    }
}
