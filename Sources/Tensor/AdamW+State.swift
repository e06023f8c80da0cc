/// The optimiser state a checkpoint needs to continue training exactly where it stopped.
extension AdamW {
    /// The step count and the first and second moment estimates of every parameter, in parameter order.
    public var momentState: (step: Int, first: [Tensor], second: [Tensor]) {
        (self.step, self.firstMoments, self.secondMoments)
    }

    /// Restores a state read back from ``momentState``.
    /// - Precondition: the moments have the parameters' shapes.
    public func restoreMoments(step: Int, first: [Tensor], second: [Tensor]) {
        precondition(
            first.count == self.parameters.count && second.count == self.parameters.count
                && zip(self.parameters, zip(first, second)).allSatisfy {
                    $0.shape == $1.0.shape && $0.shape == $1.1.shape
                },
            "restoreMoments: moments do not match the parameters")
        self.step = step
        for index in self.parameters.indices {
            self.firstMoments[index].copyValues(from: first[index])
            self.secondMoments[index].copyValues(from: second[index])
        }
    }
}
