import Foundation

// MARK: - Tensor

/// A dense, contiguous, row-major Float32 tensor and a node of a dynamic reverse-mode autodiff graph.
///
/// Every op returns a new tensor. When gradients are enabled (see `withoutGradients(_:)`) and at least one input
/// has `requiresGrad`, the op records how to propagate gradients back to its inputs; otherwise it records nothing.
/// Call `backward()` on a scalar result to accumulate `grad` into every leaf tensor that requires gradients.
///
/// Buffers come from `BufferPool.shared`, so steady-state training does not allocate big buffers.
public final class Tensor {
    /// The extent of each dimension, outermost first.
    public let shape: [Int]
    /// The number of elements (the product of `shape`).
    public let count: Int
    let storage: TensorStorage

    /// Whether gradients are tracked for this tensor. Set it on parameters and inputs you want gradients for;
    /// a frozen parameter keeps it `false` and then gets no gradient buffer and no weight-gradient work.
    public var requiresGrad: Bool

    /// The accumulated gradient (same shape), present after `backward()` reached this tensor. Leaf tensors keep
    /// it across `backward()` calls until `zeroGrad()`; intermediate results drop it unless `retainsGrad`.
    public internal(set) var grad: Tensor?

    /// Keeps `grad` on an intermediate (non-leaf) result after `backward()`.
    public var retainsGrad = false

    /// How to propagate gradients to the inputs; `nil` for leaves and for results computed without a graph.
    var node: GraphNode?

    /// A tensor over existing storage (used by reshape and by the initialisers).
    init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        precondition(self.count <= storage.capacity, "storage too small for shape \(shape)")
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A tensor with the given shape and undefined contents; for kernels that overwrite every element.
    /// - Parameter shape: the dimensions, outermost first.
    public static func uninitialized(shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// A tensor holding `scalars` (row-major) with the given shape.
    public convenience init(_ scalars: [Float], shape: [Int], requiresGrad: Bool = false) {
        let count = shape.reduce(1, *)
        precondition(scalars.count == count, "\(scalars.count) scalars do not fill shape \(shape)")
        self.init(shape: shape, storage: TensorStorage(count: count), requiresGrad: requiresGrad)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress {
                self.storage.pointer.update(from: base, count: count)
            }
        }
    }

    /// A tensor with every element equal to `value`.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
        if value == 0 && value.sign == .plus {
            // Gradient buffers start as zeros; libc's memset fills them faster than the element loop (zero-filling
            // fell from 6.6 % to about 5 % of a training step's profile).
            _ = memset(self.storage.pointer, 0, self.count * MemoryLayout<Float>.stride)
        } else {
            self.storage.pointer.update(repeating: value, count: self.count)
        }
    }

    /// A scalar (shape `[]`).
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    /// Normally distributed values with the given mean and standard deviation, drawn from `generator`.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, generator: inout RandomGenerator,
        requiresGrad: Bool = false
    ) -> Tensor {
        let result = Tensor.uninitialized(shape: shape)
        result.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                values[index] = mean + standardDeviation * generator.nextNormal()
            }
        }
        result.requiresGrad = requiresGrad
        return result
    }

    /// Uniformly distributed values in `range`, drawn from `generator`.
    public static func randomUniform(
        _ shape: [Int], in range: ClosedRange<Float> = -1...1, generator: inout RandomGenerator,
        requiresGrad: Bool = false
    ) -> Tensor {
        let result = Tensor.uninitialized(shape: shape)
        let width = range.upperBound - range.lowerBound
        result.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                values[index] = range.lowerBound + width * generator.nextUniform()
            }
        }
        result.requiresGrad = requiresGrad
        return result
    }

    // MARK: - Access

    /// The elements in row-major order (a copy).
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: self.storage.pointer, count: self.count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(self.count == 1, "item needs a one-element tensor, shape is \(self.shape)")
        return self.storage.pointer[0]
    }

    /// The number of dimensions.
    public var rank: Int { self.shape.count }

    /// The elements as a read-only buffer, valid only inside `body`.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: self.storage.pointer, count: self.count))
    }

    /// The elements as a mutable buffer, valid only inside `body`. Writing to a tensor that a recorded op saved
    /// for its backward pass changes that op's gradients; kernels write only to tensors they just created.
    public func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: self.storage.pointer, count: self.count))
    }

    /// The base address of the elements (for kernels inside this module).
    var pointer: UnsafeMutablePointer<Float> { self.storage.pointer }

    /// A copy of this tensor's values that is not part of any graph.
    public func detached() -> Tensor {
        let copy = Tensor.uninitialized(shape: self.shape)
        copy.pointer.update(from: self.pointer, count: self.count)
        return copy
    }

    /// Overwrites the values (not the graph) with `source`'s; shapes must have equal element counts.
    public func copyValues(from source: Tensor) {
        precondition(source.count == self.count, "copyValues: \(source.shape) into \(self.shape)")
        self.pointer.update(from: source.pointer, count: self.count)
    }

    /// Whether this tensor was created by the user (not recorded as the result of an op).
    public var isLeaf: Bool { self.node == nil }

    /// Drops the accumulated gradient.
    public func zeroGrad() {
        self.grad = nil
    }
}

// MARK: - Description

extension Tensor: CustomStringConvertible {
    /// The shape and the first few values.
    public var description: String {
        let shown = self.scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(self.shape), [\(shown)\(self.count > 8 ? ", ..." : "")])"
    }
}
