// MARK: - Replica checks

extension AllReduceGroup {
    /// Compares one checksum of every rank's state (its parameter bits, say) across the group: each rank puts its
    /// own in its slot of a zeroed vector and the group sums the vectors exactly (Int64). Call it on every rank at
    /// the same point of training.
    /// - Parameters:
    ///   - checksum: this rank's checksum.
    ///   - step: where training stands, for the error.
    /// - Returns: the checksums by rank (all equal).
    /// - Throws: `AllReduceError.replicasDiverged` (not retryable) when any two ranks differ, or a transport error.
    @discardableResult
    public func verifyReplicas(checksum: UInt32, step: Int) throws(AllReduceError) -> [UInt32] {
        var slots = [Int64](repeating: 0, count: self.worldSize)
        slots[self.rank] = Int64(checksum)
        try self.sum(&slots)
        let checksums = slots.map { UInt32(truncatingIfNeeded: $0) }
        guard checksums.allSatisfy({ $0 == checksum }) else {
            throw .replicasDiverged(step: step, checksums: checksums)
        }
        return checksums
    }
}
