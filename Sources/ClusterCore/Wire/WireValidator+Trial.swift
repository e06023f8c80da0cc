import ClusterProto
import Foundation
import Search

// MARK: - Assignment, progress, checkpoints, results, failures, cancels

extension WireValidator {
    func validate(_ assignment: Mixrec_Cluster_V1_TrialAssignment) throws(WireError) {
        try self.trial(assignment.trialID, assignment.attempt, "assignment")
        try self.positive(assignment.groupID, "assignment.group_id")
        try self.positive(assignment.worldSize, "assignment.world_size")
        guard assignment.worldSize <= self.limits.maxWorldSize else {
            throw WireError(
                .outOfRange, "assignment.world_size \(assignment.worldSize) exceeds \(self.limits.maxWorldSize)")
        }
        guard assignment.rank < assignment.worldSize else {
            throw WireError(
                .outOfRange, "assignment.rank \(assignment.rank) is not below world_size \(assignment.worldSize)")
        }
        guard assignment.peers.count == Int(assignment.worldSize) else {
            throw WireError(
                .outOfRange, "assignment lists \(assignment.peers.count) peers for world_size \(assignment.worldSize)")
        }
        for (index, peer) in assignment.peers.enumerated() {
            guard peer.rank == UInt32(index) else {
                throw WireError(.outOfRange, "assignment.peers[\(index)] has rank \(peer.rank), expected \(index)")
            }
            try self.identifier(peer.workerID, "assignment.peers[\(index)].worker_id")
            try self.endpoint(peer.endpoint, "assignment.peers[\(index)].endpoint", required: assignment.worldSize > 1)
        }
        try self.configJSON(assignment.configJson)
        try self.task(assignment.task)
        guard AllReduceWire(wire: assignment.allreduceWire) != nil else {
            let code = assignment.allreduceWire.rawValue
            throw WireError(.outOfRange, "assignment.allreduce_wire \(code) is not a known wire format")
        }
        try self.positive(assignment.maxEpochs, "assignment.max_epochs")
        if assignment.hasResume {
            try self.blob(assignment.resume, "assignment.resume")
            // A checkpoint of the last epoch is valid: the run only evaluates it and reports.
            guard assignment.resume.epoch <= assignment.maxEpochs else {
                throw WireError(
                    .outOfRange,
                    "assignment.resume.epoch \(assignment.resume.epoch) is past max_epochs \(assignment.maxEpochs)")
            }
        }
        try self.validate(warmStartOf: assignment)
    }

    func validate(_ progress: Mixrec_Cluster_V1_Progress) throws(WireError) {
        try self.trial(progress.trialID, progress.attempt, "progress")
        try self.positive(progress.epoch, "progress.epoch")
        try self.metrics(progress.metrics, "progress.metrics")
        try self.seconds(progress.seconds, "progress.seconds")
    }

    func validate(_ upload: Mixrec_Cluster_V1_CheckpointUpload) throws(WireError) {
        try self.trial(upload.trialID, upload.attempt, "checkpoint")
        guard upload.hasBlob else { throw WireError(.missingField, "checkpoint.blob is missing") }
        try self.blob(upload.blob, "checkpoint.blob")
    }

    func validate(_ result: Mixrec_Cluster_V1_TrialResult) throws(WireError) {
        try self.trial(result.trialID, result.attempt, "result")
        guard !result.metrics.isEmpty else { throw WireError(.missingField, "result.metrics is empty") }
        try self.metrics(result.metrics, "result.metrics")
        try self.seconds(result.seconds, "result.seconds")
        try self.positive(result.epochs, "result.epochs")
    }

    func validate(_ failure: Mixrec_Cluster_V1_TrialFailure) throws(WireError) {
        try self.trial(failure.trialID, failure.attempt, "failure")
        try self.text(failure.reason, "failure.reason", required: true)
    }

    func validate(_ cancel: Mixrec_Cluster_V1_CancelTrial) throws(WireError) {
        try self.trial(cancel.trialID, cancel.attempt, "cancel")
        switch cancel.reason {
        case .pruned, .cancelled, .reassigned: break
        case .unspecified: throw WireError(.missingField, "cancel.reason is unspecified")
        case .UNRECOGNIZED(let raw): throw WireError(.outOfRange, "cancel.reason \(raw) is unknown")
        }
        try self.text(cancel.message, "cancel.message", required: false)
    }

    // MARK: - Helpers

    private func trial(_ trialID: UInt64, _ attempt: UInt32, _ message: String) throws(WireError) {
        try self.positive(trialID, "\(message).trial_id")
        try self.positive(attempt, "\(message).attempt")
    }

    /// The task must name its kind (a plain name; whether a worker trains it is its runner's call) and carry what
    /// that needs: a known function for a synthetic task, else a config, its text within the size limit.
    private func task(_ task: Mixrec_Cluster_V1_TrialTask) throws(WireError) {
        try self.plainName(task.kind, "assignment.task.kind")
        guard TrialTask(wire: task) != nil else {
            guard task.kind == TrialTask.syntheticKind else {
                throw WireError(.missingField, "assignment.task.base_config is empty")
            }
            throw WireError(.outOfRange, "assignment.task.function '\(task.function)' is not a known function")
        }
        let bytes = task.baseConfig.utf8.count + task.overrides.reduce(0) { $0 + $1.utf8.count }
        guard bytes <= self.limits.maxConfigBytes else {
            throw WireError(
                .tooLarge,
                "assignment.task.base_config and overrides are \(bytes) bytes, the limit is \(self.limits.maxConfigBytes)"
            )
        }
    }

    /// The configuration must be a JSON object of scalars within the size limit.
    private func configJSON(_ json: String) throws(WireError) {
        guard !json.isEmpty else { throw WireError(.missingField, "assignment.config_json is empty") }
        let bytes = Data(json.utf8)
        guard bytes.count <= self.limits.maxConfigBytes else {
            throw WireError(
                .tooLarge, "assignment.config_json is \(bytes.count) bytes, the limit is \(self.limits.maxConfigBytes)")
        }
        guard (try? Configuration(json: json)) != nil else {
            throw WireError(.outOfRange, "assignment.config_json is not a JSON object of numbers and strings")
        }
    }
}
