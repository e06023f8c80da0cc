import ClusterProto
import Foundation
import Logging

// MARK: - Shared warm starts: shipped with assignments, stored from uploads

/// With `settings.warmStartNaming` (MixRec studies with `study.share_warm_start`), the coordinator keeps each
/// collaborative warm start the study needs once, in `<study-dir>/warm-starts/` (``StudyWarmStarts``): the first run
/// that needs one computes it and uploads it; the coordinator checks it, writes it atomically and only then
/// acknowledges the upload; later assignments carry it. While a run computes a warm start, trials that need the same
/// one wait (``WarmStartLedger``). A restarted coordinator reads the folder again.
extension CoordinatorService {
    /// A worker's upload of the warm start `upload` names, whose bytes are `file` (checked against the header).
    func receiveWarmStart(
        _ upload: Mixrec_Cluster_V1_WarmStartUpload, file: [UInt8], from worker: WorkerID, receipt: InboundReceipt
    ) {
        let name = upload.warmStart.name
        let trial = TrialID(upload.trialID)
        // A copy of an upload already stored, or a warm start another run uploaded first: nothing to write.
        guard self.core.wantsWarmStart(name) else {
            self.perform([], acknowledges: receipt)
            return
        }
        guard let known = self.core.scheduler.trials[trial], self.warmStartNames.warmStart(of: known) == name else {
            self.refuseWarmStart(
                name, from: worker, receipt: receipt, "trial \(trial) does not need warm start \(name)")
            return
        }
        do throws(StudyWarmStartError) {
            try self.warmStartFiles.write(file, name: name)
        } catch {
            switch error {
            case .damaged(let problem):
                self.refuseWarmStart(name, from: worker, receipt: receipt, "not an intact warm-start file: \(problem)")
            case .unwritable(let failure):
                // Not acknowledged: the worker sends it again.
                self.logger.error(
                    "could not store a shared warm start", metadata: ["name": "\(name)", "error": "\(failure)"])
            }
            return
        }
        self.core.onWarmStartStored(name)
        var changes = StudyChanges()
        changes.events.append(
            StudyEvent(
                at: Date(), kind: "warmstart.stored", trialID: Int64(trial.rawValue), workerID: worker.rawValue,
                message: "\(name): \(file.count) bytes in \(self.warmStartFiles.url(of: name).path)"))
        self.perform([], changes: changes, acknowledges: receipt)
    }

    /// Answers an upload that is not stored with an `Error` and acknowledges it (sending it again would not help).
    private func refuseWarmStart(_ name: String, from worker: WorkerID, receipt: InboundReceipt, _ reason: String) {
        self.logger.warning("refused a shared warm start", metadata: ["name": "\(name)", "reason": "\(reason)"])
        self.sendError(WireError(.outOfRange, reason, sequence: receipt.sequence), to: worker)
        self.perform([], acknowledges: receipt)
    }

    /// The warm-start reference of an assignment planned with `plan` for `run`, and the file it carries (nil: the
    /// run computes it). A held file found damaged is deleted and the run computes it instead.
    func warmStart(
        _ plan: WarmStartPlan, for run: RunID
    ) -> (reference: Mixrec_Cluster_V1_WarmStartBlob, file: [UInt8]?) {
        guard case .ship(let name) = plan else { return (.describing(nil, name: plan.name), nil) }
        guard let file = self.warmStartFiles.read(name) else {
            self.core.onWarmStartMissing(name, computedBy: run)
            return (.describing(nil, name: name), nil)
        }
        return (.describing(file, name: name), file)
    }
}

/// The study's naming of trials' warm starts (`CoordinatorSettings.warmStartNaming`), remembered per trial: a trial's
/// parameters and seed never change, and naming one may parse its whole training config.
final class TrialWarmStartNames: WarmStartNaming {
    private let naming: (@Sendable (Trial) -> String?)?
    private var names: [TrialID: String?] = [:]

    init(_ naming: (@Sendable (Trial) -> String?)?) {
        self.naming = naming
    }

    func warmStart(of trial: Trial) -> String? {
        guard let naming = self.naming else { return nil }
        if let known = self.names[trial.id] { return known }
        let name = naming(trial)
        self.names[trial.id] = name
        return name
    }
}
