import Foundation
import Tensor
import Testing

// Test helpers shared by the test targets of every numeric module.

// MARK: - Finite-difference gradient check

/// Compares the analytic gradients of `function` with central finite differences.
///
/// The output is reduced to the scalar `L = Σ wᵢ·yᵢ` with fixed random weights `w` (seeded into `backward`
/// directly, so no other op takes part). `L` is evaluated in Double from the Float32 outputs. Tolerance argument:
/// with step `h = 1e-2` the central difference has truncation error O(h²·|L'''|) ≈ 1e-4 for the smooth, O(1)
/// functions tested here, and Float32 round-off of about 1e-7·|L|/h ≈ 1e-4 on L of order 10, so an absolute
/// tolerance of 3e-3 plus 3 % relative leaves a margin of ~10× while still catching wrong formulas (a missing
/// factor or term changes gradients by O(1)). `indices` picks the elements to check in every input (default: all
/// of them, or `elements` random ones for big inputs).
public func checkGradients(
    _ inputs: [Tensor], elements: Int = 64, indices: [Int]? = nil, step: Float = 1e-2, absoluteTolerance: Float = 3e-3,
    relativeTolerance: Float = 3e-2, seed: UInt64 = 7, sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Tensor]) -> Tensor
) {
    var generator = RandomGenerator(seed: seed)
    let output = function(inputs)
    let weights = Tensor.randomUniform(output.shape, generator: &generator)
    output.backward(gradient: weights)
    let weightValues = weights.scalars.map(Double.init)
    func loss() -> Double {
        let values = withoutGradients { function(inputs) }.scalars
        return zip(values, weightValues).reduce(0) { $0 + Double($1.0) * $1.1 }
    }
    for (inputIndex, input) in inputs.enumerated() where input.requiresGrad {
        let analytic = input.grad?.scalars ?? Array(repeating: 0, count: input.count)
        let picked =
            input.count <= elements
            ? Array(0..<input.count) : (0..<elements).map { _ in Int(generator.next() % UInt64(input.count)) }
        for index in picked {
            let original = input.withUnsafeBufferPointer { $0[index] }
            input.set(index, original + step)
            let plus = loss()
            input.set(index, original - step)
            let minus = loss()
            input.set(index, original)
            let numeric = Float((plus - minus) / Double(2 * step))
            let error = abs(numeric - analytic[index])
            #expect(
                error <= absoluteTolerance + relativeTolerance * abs(numeric),
                "input \(inputIndex)[\(index)]: analytic \(analytic[index]) vs numeric \(numeric)",
                sourceLocation: sourceLocation)
        }
    }
}

extension Tensor {
    fileprivate func set(_ index: Int, _ value: Float) {
        self.withUnsafeMutableBufferPointer { $0[index] = value }
    }
}

/// A reproducible random tensor for tests.
public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, requiresGrad: Bool = true) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, in: -scale...scale, generator: &generator, requiresGrad: requiresGrad)
}

/// Asserts two float arrays agree within `tolerance` element-wise.
public func expectClose(
    _ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        actual.count == expected.count, "counts \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= tolerance * max(1, abs(e))) {
        Issue.record("element \(index): \(a) vs expected \(e)", sourceLocation: sourceLocation)
        return
    }
}

// MARK: - BLAS thread count in tests

/// Serialises tests that change the process-wide BLAS thread count (Swift Testing runs tests concurrently).
private let blasThreadsLock = NSLock()

/// Runs `body` with `threads` BLAS threads, restoring the previous count; no other such test runs meanwhile.
public func withBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
    blasThreadsLock.lock()
    defer { blasThreadsLock.unlock() }
    let before = BLASRuntime.threads
    defer { BLASRuntime.setThreads(before) }
    BLASRuntime.setThreads(threads)
    return try body()
}
