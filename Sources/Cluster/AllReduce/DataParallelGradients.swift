import Tensor

/// Keeps the replicas of a data-parallel group identical: averages gradients every step and compares
/// parameter checksums every few steps.
///
/// Every step all-reduces the *whole* flat gradient buffer (zeros for parameters that got no gradient, such as
/// experts no token was routed to), then the example count as an exact `Int64` (a bfloat16 wire would round a
/// count kept among the gradients), so every rank always sends the same number of bytes and applies the same
/// update: nothing can desynchronise. The gradients travel as MixRec's trainer's do (`[Tensor].sumGradients`, one
/// flat vector); this type adds the mean (the trainer's losses are normalised by global counts instead).
public final class DataParallelGradients {
    /// The collective it reduces with.
    public let group: AllReduceGroup
    /// The parameters whose gradients it averages, in a fixed order (identical on every rank).
    public let parameters: [Tensor]

    /// Averages the gradients of `parameters` (all must require gradients) over `group`.
    public init(group: AllReduceGroup, parameters: [Tensor]) {
        self.group = group
        self.parameters = parameters
    }

    /// Replaces each rank's gradient of a *summed* loss by the group mean: `Σ_ranks grad / Σ_ranks localCount`.
    ///
    /// With losses summed over examples (`reduction: .sum`) this gives exactly the gradient a single process
    /// would get from the mean loss over the union of the ranks' batches. Parameters without a gradient get one.
    /// - Parameter localCount: the examples (counted targets) behind this rank's summed loss; may be 0.
    /// - Returns: the group's total count.
    /// - Throws: `AllReduceError` when a peer is lost (the trial is then retried from its checkpoint).
    @discardableResult
    public func averageSummedGradients(localCount: Int) throws(AllReduceError) -> Int {
        // The flat sum is MixRec's trainer's too (`[Tensor].sumGradients`); only the scaling by the count is ours.
        try self.parameters.sumGradients { (flat: inout [Float]) throws(AllReduceError) in try self.group.sum(&flat) }
        var counts = [Int64(localCount)]
        try self.group.sum(&counts)
        let total = counts[0]
        let scale: Float = total > 0 ? 1 / Float(total) : 0
        for parameter in self.parameters {
            parameter.materializedGradient().withUnsafeMutableBufferPointer { grad in
                for element in grad.indices { grad[element] *= scale }
            }
        }
        return Int(total)
    }

    /// Compares a checksum of every rank's parameter bits (call every N steps, on every rank at the same step).
    /// - Throws: `AllReduceError.replicasDiverged` (not retryable) when any two replicas differ, or a transport
    ///   error.
    public func verifyReplicas(step: Int) throws(AllReduceError) {
        var crc: UInt32 = 0
        for parameter in self.parameters {
            parameter.withUnsafeBufferPointer { crc = CRC32C.update(crc, UnsafeRawBufferPointer($0)) }
        }
        try self.group.verifyReplicas(checksum: crc, step: step)
    }
}
