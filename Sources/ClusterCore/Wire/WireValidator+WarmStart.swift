import ClusterProto

// MARK: - Shared warm starts: the assignment's reference and the worker's upload

extension WireValidator {
    /// An assignment's warm start: a file name, bytes within the limit, and no bytes beside a resume checkpoint (a
    /// resumed run skips the warm start, and a message carries at most one raw frame).
    func validate(warmStartOf assignment: Mixrec_Cluster_V1_TrialAssignment) throws(WireError) {
        guard assignment.hasWarmStart else { return }
        try self.warmStart(assignment.warmStart, "assignment.warm_start", needsBytes: false)
        guard !(assignment.hasResume && assignment.warmStart.byteLength > 0) else {
            throw WireError(
                .outOfRange, "assignment carries both resume and warm_start bytes; a resumed run has no warm start")
        }
    }

    func validate(_ upload: Mixrec_Cluster_V1_WarmStartUpload) throws(WireError) {
        try self.positive(upload.trialID, "warm_start.trial_id")
        try self.positive(upload.attempt, "warm_start.attempt")
        guard upload.hasWarmStart else { throw WireError(.missingField, "warm_start.warm_start is missing") }
        try self.warmStart(upload.warmStart, "warm_start.warm_start", needsBytes: true)
    }

    /// A warm start's header: its name is a plain name (`<name>.warmstart` in the study directory), its length
    /// within the raw-frame limit and, for an upload, at least one byte.
    private func warmStart(
        _ blob: Mixrec_Cluster_V1_WarmStartBlob, _ field: String, needsBytes: Bool
    ) throws(WireError) {
        try self.plainName(blob.name, "\(field).name")
        if needsBytes { try self.positive(blob.byteLength, "\(field).byte_length") }
        guard blob.byteLength <= UInt64(self.limits.maxBlobBytes) else {
            throw WireError(.tooLarge, "\(field).byte_length \(blob.byteLength) exceeds \(self.limits.maxBlobBytes)")
        }
    }
}
