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
