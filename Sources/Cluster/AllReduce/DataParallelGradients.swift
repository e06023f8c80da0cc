import Tensor

/// Keeps the replicas of a data-parallel group identical: averages gradients every step and compares
/// parameter checksums every few steps.
///
/// Every step all-reduces the *whole* flat gradient buffer (zeros for parameters that got no gradient, such as
/// experts no token was routed to), then the example count as an exact `Int64` (a bfloat16 wire would round a
/// count kept among the gradients), so every rank always sends the same number of bytes and applies the same
/// update: nothing can desynchronise. Owns one flat buffer, reused.
public final class DataParallelGradients {
    /// The collective it reduces with.
    public let group: AllReduceGroup
    /// The parameters whose gradients it averages, in a fixed order (identical on every rank).
    public let parameters: [Tensor]
    private var flat: [Float]
    private var zeroGradients: [Int: Tensor] = [:]

    /// Prepares the flat buffer for `parameters` (all must require gradients).
    public init(group: AllReduceGroup, parameters: [Tensor]) {
        self.group = group
        self.parameters = parameters
        self.flat = [Float](repeating: 0, count: parameters.reduce(0) { $0 + $1.count })
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
        var offset = 0
        self.flat.withUnsafeMutableBufferPointer { flat in
            for parameter in self.parameters {
                let target = UnsafeMutableBufferPointer(rebasing: flat[offset..<(offset + parameter.count)])
                if let grad = parameter.grad {
                    grad.withUnsafeBufferPointer { _ = target.update(fromContentsOf: $0) }
                } else {
                    target.update(repeating: 0)
                }
                offset += parameter.count
            }
        }
        try self.group.sum(&self.flat)
        var counts = [Int64(localCount)]
        try self.group.sum(&counts)
        let total = counts[0]
        let scale: Float = total > 0 ? 1 / Float(total) : 0
        offset = 0
        for (index, parameter) in self.parameters.enumerated() {
            if parameter.grad == nil { self.createGradient(index) }
            parameter.grad?.withUnsafeMutableBufferPointer { grad in
                for element in 0..<grad.count {
                    grad[element] = self.flat[offset + element] * scale
                }
            }
            offset += parameter.count
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

    /// Gives parameter `index` a zero gradient (reused tensor of zeros as the seed).
    private func createGradient(_ index: Int) {
        let parameter = self.parameters[index]
        let zeros = self.zeroGradients[index] ?? Tensor.zeros(parameter.shape)
        self.zeroGradients[index] = zeros
        parameter.backward(gradient: zeros)
    }
}
