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

/// A result held back until its run's checkpoint upload is acknowledged, and the run's last position (which the
/// heartbeats name meanwhile: the run is still this worker's).
struct HeldResult: Sendable {
    var body: WireBody
    var position: (epoch: Int, step: Int)
}

/// Results, checkpoint and warm-start uploads and failures are sent once and kept (``Redelivery``) until the
/// coordinator's `Ack` names their sequence number, then forgotten. Until then each is sent again after
/// `settings.redelivery`'s back-off (1 s, doubling to at most 8 s by default) while the worker is registered, and
/// dropped when the coordinator cancels its run (but for a shared warm start's upload, which later trials need) or
/// shuts the worker down, or after `giveUpAfter` (2 minutes by default) with a warning: the coordinator then ends
/// the run as lost when this worker reports idle, and the trial resumes elsewhere from its newest stored checkpoint.
/// Memory stays bounded: a new checkpoint upload of a run replaces that run's unacknowledged one (the coordinator
/// only resumes from the newest), so at most one checkpoint, one warm start, one result or failure per run waits.
///
/// A result does not supersede its run's checkpoint: the coordinator exports a complete trial's newest checkpoint,
/// and once the study's last result is in it shuts the workers down (which forgets what they still re-send) and
/// exits. So a result waits (`heldResults`) until its run's checkpoint upload is acknowledged, or given up on. The
/// core is told (`WorkerEvent.resultHeld`, `.resultReleased`), so the heartbeats meanwhile name the run as busy: an
/// idle one would make the coordinator end the run after `heartbeat.busy_dead_ms` and refuse the result as stale.
extension WorkerService {
    /// Sends `run`'s result, or holds it while a checkpoint upload of the run waits for its acknowledgement.
    func sendResult(_ body: WireBody, run: RunID) {
        guard self.unacknowledged.items.contains(where: { $0.isCheckpoint && $0.run == run }) else {
            self.sendReport(body, run: run)
            return
        }
        self.logger.debug(
            "holding a result until its run's checkpoint upload is acknowledged", metadata: ["run": "\(run)"])
        self.heldResults[run] = HeldResult(body: body, position: self.runs[run]?.progress ?? (0, 0))
        self.feed(.resultHeld(run))
    }

    /// Sends the result held for `run`, if any (its checkpoint upload was acknowledged or given up on).
    private func releaseResult(of run: RunID) {
        guard let held = self.heldResults.removeValue(forKey: run) else { return }
        self.feed(.resultReleased(run))
        self.sendReport(held.body, run: run)
    }

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
        guard let report = self.unacknowledged.acknowledged(sequence), report.isCheckpoint else { return }
        self.releaseResult(of: report.run)
    }

    /// The coordinator cancelled `run` (nil: shut the worker down): its reports but a warm start's upload are no
    /// longer sent again, and its held result is not sent.
    func forgetReports(of run: RunID?) {
        let heldForgotten = self.heldResults.keys.filter { run == nil || $0 == run }
        for held in heldForgotten { self.heldResults[held] = nil }
        let forgotten =
            self.unacknowledged.forget { run == nil || ($0.run == run && !$0.isWarmStart) } + heldForgotten.count
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
            // The result no longer waits for a checkpoint the coordinator will not get.
            if due.item.isCheckpoint { self.releaseResult(of: due.item.run) }
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
