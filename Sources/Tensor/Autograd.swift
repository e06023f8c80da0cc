// MARK: - Gradient mode

/// Whether ops record the autodiff graph. Task-local: a `withoutGradients` scope affects only the current task
/// (or thread, outside of tasks) and what it calls synchronously.
public enum GradientMode {
    /// `true` unless inside `withoutGradients(_:)`.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with graph recording switched off (inference): ops record nothing even for inputs that require
/// gradients, and their results do not require gradients.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isEnabled.withValue(false) {
        try body()
    }
}

// MARK: - Graph node

/// What an op recorded: its inputs and how to send its output gradient back to them.
final class GraphNode {
    let name: String
    let inputs: [Tensor]
    let backward: (BackwardContext) -> Void

    init(name: String, inputs: [Tensor], backward: @escaping (BackwardContext) -> Void) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

// MARK: - Backward context

/// Where an op writes a whole input gradient, and whether it adds to what is there
/// (``BackwardContext/wholeGradient(ofInput:)``).
public typealias GradientTarget = (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)

/// What a backward closure receives: the gradient of the op's output and access to its inputs' gradients.
///
/// Accumulate (never overwrite) into `gradient(ofInput:)`; it exists only for inputs that require gradients,
/// so frozen inputs cost nothing. Gradient buffers start at zero, except those an op takes with
/// `wholeGradient(ofInput:)` to write every element of.
public struct BackwardContext {
    /// The op's result.
    public let output: Tensor
    /// dLoss/dOutput, same shape as `output`.
    public let outputGradient: Tensor
    /// The op's inputs, in the order given to `Tensor.record`.
    public let inputs: [Tensor]

    /// Whether input `index` wants a gradient (skip the work for it otherwise).
    public func needsGradient(_ index: Int) -> Bool {
        self.inputs[index].requiresGrad
    }

    /// Whether any input wants a gradient.
    public var needsAnyGradient: Bool {
        self.inputs.contains { $0.requiresGrad }
    }

    /// The gradient buffer of input `index` (created zero-filled on first use), to accumulate into; `nil` when
    /// that input does not require gradients.
    public func gradient(ofInput index: Int) -> UnsafeMutableBufferPointer<Float>? {
        let input = self.inputs[index]
        guard input.requiresGrad else { return nil }
        return UnsafeMutableBufferPointer(start: input.gradientStorage().pointer, count: input.count)
    }

    /// Input `index`'s gradient buffer for an op that writes each of its elements exactly once, and whether to
    /// add to what it holds: not when the buffer is created for this write (uninitialised, so no zero fill is
    /// paid), yes when earlier ops have contributed. `nil` when that input does not require gradients.
    public func wholeGradient(ofInput index: Int) -> GradientTarget? {
        let input = self.inputs[index]
        guard input.requiresGrad else { return nil }
        let accumulate = input.grad != nil
        return (input.gradientStorage(zeroed: false).pointer, accumulate)
    }

    /// The output gradient as a read-only buffer.
    public var outputGradientPointer: UnsafePointer<Float> {
        UnsafePointer(self.outputGradient.pointer)
    }
}

// MARK: - Custom ops (the extension point)

extension Tensor {
    /// Whether an op on `inputs` must record a graph node (gradients enabled and some input requires them).
    /// Ops use it to skip saving intermediates on the inference path.
    public static func isRecording(_ inputs: [Tensor]) -> Bool {
        GradientMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Registers `self` as the result of a custom op: the extension point for fused kernels in other modules.
    /// Every built-in op uses it.
    ///
    /// Compute the forward values into a fresh tensor (e.g. `Tensor.uninitialized(shape:)`), then call
    /// `result.record("name", inputs: [a, b]) { context in ... }`. The closure runs during `backward()` with the
    /// output gradient; for each input `i` with `context.gradient(ofInput: i) != nil` it must *add*
    /// dLoss/dInput_i into that buffer (an op that writes every element once may take
    /// `context.wholeGradient(ofInput: i)` instead, and write or add as it says). It may capture inputs and saved
    /// intermediates, but it must not capture the result itself (use `context.output`), or the graph leaks: a
    /// branch no backward pass reaches would never be freed.
    ///
    /// When gradients are disabled or no input requires them, nothing is recorded and the closure is dropped.
    /// - Returns: `self`, for chaining.
    @discardableResult
    public func record(
        _ name: String, inputs: [Tensor], backward: @escaping (BackwardContext) -> Void
    ) -> Tensor {
        guard Tensor.isRecording(inputs) else { return self }
        self.node = GraphNode(name: name, inputs: inputs, backward: backward)
        self.requiresGrad = true
        return self
    }

    /// A custom op in one call: allocates the `[shape]` result, lets `forward` fill every element, and records
    /// `backward` as in `record(_:inputs:backward:)`.
    public static func customOp(
        _ name: String, shape: [Int], inputs: [Tensor],
        forward: (UnsafeMutableBufferPointer<Float>) -> Void,
        backward: @escaping (BackwardContext) -> Void
    ) -> Tensor {
        let result = Tensor.uninitialized(shape: shape)
        result.withUnsafeMutableBufferPointer(forward)
        return result.record(name, inputs: inputs, backward: backward)
    }

    /// The gradient tensor, created zero-filled if absent (uninitialised without `zeroed`, for a caller that
    /// writes every element).
    func gradientStorage(zeroed: Bool = true) -> Tensor {
        if let grad = self.grad {
            return grad
        }
        let grad = zeroed ? Tensor.zeros(self.shape) : Tensor.uninitialized(shape: self.shape)
        self.grad = grad
        return grad
    }
}

// MARK: - Backward pass

extension Tensor {
    /// Back-propagates from this scalar result: accumulates dSelf/dLeaf into `grad` of every leaf that requires
    /// gradients. Frees the recorded graph afterwards unless `retainGraph`: intermediate results then no longer
    /// require gradients and act as constants if used again.
    public func backward(retainGraph: Bool = false) {
        precondition(self.count == 1, "backward() needs a scalar; use backward(gradient:) for shape \(self.shape)")
        self.backward(gradient: Tensor(repeating: 1, shape: self.shape), retainGraph: retainGraph)
    }

    /// Back-propagates `gradient` (dLoss/dSelf, same shape as `self`).
    public func backward(gradient: Tensor, retainGraph: Bool = false) {
        precondition(gradient.shape == self.shape, "gradient shape \(gradient.shape) != \(self.shape)")
        guard self.requiresGrad else { return }
        let seed = self.gradientStorage()
        for index in 0..<self.count {
            seed.pointer[index] += gradient.pointer[index]
        }
        if self.node != nil {
            self.propagate(retainGraph: retainGraph)
        }
    }

    /// Runs every recorded backward closure reachable from `self`, outputs before inputs.
    ///
    /// Without `retainGraph`, each node is dropped as soon as its closure ran and the traversal lets go of the
    /// tensor, so activations the rest of the pass does not need are freed during the pass, not after it.
    private func propagate(retainGraph: Bool) {
        var order = self.topologicalOrder()
        while let tensor = order.popLast() {
            guard let node = tensor.node, let outputGradient = tensor.grad else { continue }
            node.backward(BackwardContext(output: tensor, outputGradient: outputGradient, inputs: node.inputs))
            if !tensor.retainsGrad {
                tensor.grad = nil
            }
            if !retainGraph {
                tensor.node = nil
                tensor.requiresGrad = false
            }
        }
    }

    /// The recorded tensors reachable from `self` (inputs before the ops that use them), by iterative DFS.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.node != nil {
                if !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }
}
