extension Tensor {
    /// This tensor's gradient, created as zeros when no backward pass has reached it (e.g. an expert no token was
    /// routed to), so that every parameter takes part in a gradient all-reduce.
    @discardableResult
    public func materializedGradient() -> Tensor {
        if let grad = self.grad { return grad }
        let zeros = Tensor.zeros(self.shape)
        self.grad = zeros
        return zeros
    }
}

// MARK: - Flat gradients (data-parallel all-reduce)

extension Array where Element == Tensor {
    /// Every tensor's gradient concatenated in order (a tensor without one gets zeros, see `materializedGradient`).
    public func flatGradients() -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(self.reduce(0) { $0 + $1.count })
        for tensor in self { flat += tensor.materializedGradient().scalars }
        return flat
    }

    /// Copies `flat` (every tensor's gradient concatenated in order, as ``flatGradients()`` gives) into the
    /// tensors' gradients.
    public func setGradients(_ flat: [Float]) {
        precondition(flat.count == self.reduce(0) { $0 + $1.count }, "\(flat.count) values for these gradients")
        var offset = 0
        for tensor in self {
            let grad = tensor.materializedGradient()
            grad.withUnsafeMutableBufferPointer { target in
                for index in target.indices { target[index] = flat[offset + index] }
            }
            offset += grad.count
        }
    }

    /// Replaces every tensor's gradient by its sum over a data-parallel group: the gradients go out as one flat
    /// vector (zeros for a tensor no backward pass reached, so every rank sends the same values in the same order)
    /// to `sum`, which sums it element-wise over the group, and come back.
    public func sumGradients<Failure: Error>(_ sum: (inout [Float]) throws(Failure) -> Void) throws(Failure) {
        var flat = self.flatGradients()
        try sum(&flat)
        self.setGradients(flat)
    }
}
