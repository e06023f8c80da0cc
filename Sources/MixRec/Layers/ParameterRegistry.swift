import Tensor

/// The named trainable parameters of a model, in registration order: what the optimiser updates, what a
/// checkpoint stores and what a data-parallel group all-reduces.
public struct ParameterRegistry {
    /// Every parameter with its unique name, in registration order.
    public private(set) var entries: [(name: String, tensor: Tensor)] = []

    public init() {}

    /// Registers `tensor` (which must require gradients) under `name`.
    public mutating func register(_ name: String, _ tensor: Tensor) {
        precondition(tensor.requiresGrad, "parameter \(name) must require gradients")
        precondition(!self.entries.contains { $0.name == name }, "parameter \(name) registered twice")
        self.entries.append((name, tensor))
    }

    /// Registers every parameter of `other` with `prefix.` in front of its name.
    public mutating func register(_ other: ParameterRegistry, prefix: String) {
        for (name, tensor) in other.entries {
            self.register("\(prefix).\(name)", tensor)
        }
    }

    /// The parameters, in registration order.
    public var tensors: [Tensor] {
        self.entries.map(\.tensor)
    }

    /// The parameters by name, for saving and loading.
    public var byName: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: self.entries.map { ($0.name, $0.tensor) })
    }

    /// The number of trainable scalars.
    public var scalarCount: Int {
        self.entries.reduce(0) { $0 + $1.tensor.count }
    }
}
