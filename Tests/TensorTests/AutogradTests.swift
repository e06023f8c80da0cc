import TestKit
import Testing

@testable import Tensor

@Suite struct AutogradTests {
    @Test func gradientsAccumulateOverUsesAndCalls() {
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        // y = Σ x·x + Σ x  → dy/dx = 2x + 1
        (x * x + x).sum().backward()
        expectClose(x.grad?.scalars ?? [], [3, 5, 7])
        (x * x + x).sum().backward()
        expectClose(x.grad?.scalars ?? [], [6, 10, 14], tolerance: 0)
        x.zeroGrad()
        #expect(x.grad == nil)
        // On a leaf, backward(gradient:) accumulates too.
        x.backward(gradient: Tensor([1, 1, 1], shape: [3]))
        x.backward(gradient: Tensor([1, 2, 3], shape: [3]))
        expectClose(x.grad?.scalars ?? [], [2, 3, 4], tolerance: 0)
    }

    @Test func withoutGradientsRecordsNothing() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let y = withoutGradients { (x * x).sum() }
        #expect(!y.requiresGrad)
        #expect(y.isLeaf)
        #expect(GradientMode.isEnabled)
        let z = (x * x).sum()
        #expect(z.requiresGrad && !z.isLeaf)
    }

    @Test func opsOnTensorsWithoutGradientsRecordNothing() {
        let a = Tensor([1, 2], shape: [2])
        let b = a * a + a
        #expect(!b.requiresGrad && b.isLeaf)
    }

    @Test func intermediateGradientsAreDroppedUnlessRetained() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let hidden = x.scaled(by: 3)
        let kept = x.scaled(by: 2)
        kept.retainsGrad = true
        (hidden + kept).sum().backward()
        #expect(hidden.grad == nil)
        expectClose(kept.grad?.scalars ?? [], [1, 1])
        expectClose(x.grad?.scalars ?? [], [5, 5])
    }

    /// The extension point: y = x³ as a custom op with its own backward.
    @Test func customOpParticipatesInTheGraph() {
        func cube(_ x: Tensor) -> Tensor {
            Tensor.customOp("cube", shape: x.shape, inputs: [x]) { output in
                for index in output.indices { output[index] = x.pointer[index] * x.pointer[index] * x.pointer[index] }
            } backward: { context in
                guard let gradient = context.gradient(ofInput: 0) else { return }
                for index in gradient.indices {
                    let value = context.inputs[0].pointer[index]
                    gradient[index] += 3 * value * value * context.outputGradientPointer[index]
                }
            }
        }
        let x = randomTensor([5], seed: 3)
        checkGradients([x]) { cube($0[0]).scaled(by: 2) }
        let frozen = Tensor([2], shape: [1])
        #expect(!cube(frozen).requiresGrad, "no input requires gradients, so nothing is recorded")
    }

    /// A frozen input of a custom op reports no need for a gradient and gets no buffer.
    @Test func customOpSkipsFrozenInputs() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let frozen = Tensor([3, 4], shape: [2])
        var seen: [Bool] = []
        let product = Tensor.customOp("product", shape: [2], inputs: [x, frozen]) { output in
            for index in output.indices { output[index] = x.pointer[index] * frozen.pointer[index] }
        } backward: { context in
            seen = [context.needsGradient(0), context.needsGradient(1), context.gradient(ofInput: 1) == nil]
            guard let gradient = context.gradient(ofInput: 0) else { return }
            for index in gradient.indices {
                gradient[index] += frozen.pointer[index] * context.outputGradientPointer[index]
            }
        }
        product.sum().backward()
        #expect(seen == [true, false, true])
        expectClose(x.grad?.scalars ?? [], [3, 4])
        #expect(frozen.grad == nil)
    }

    @Test func backwardFreesTheGraph() {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let y = x.scaled(by: 2)
        let loss = y.sum()
        loss.backward()
        #expect(y.isLeaf && loss.isLeaf, "graph nodes are released after backward")
    }

    @Test func steadyStateReusesBuffers() {
        let x = randomTensor([64, 32], seed: 1)
        let w = randomTensor([48, 32], seed: 2)
        func step() {
            Tensor.linear(x, weight: w).silu().sum().backward()
            x.zeroGrad()
            w.zeroGrad()
        }
        step()
        step()
        let before = BufferPool.shared.statistics
        step()
        let after = BufferPool.shared.statistics
        // Other tests allocate concurrently, so only the reuse count is checked: every buffer of this step
        // (outputs, gradients, seeds) comes from the pool.
        #expect(after.reuses - before.reuses >= 6)
    }

    /// Ops that write each element of an input's gradient (``BackwardContext/wholeGradient(ofInput:)``) ignore what
    /// the reused memory of a buffer created for them held, and add when the buffer already holds a contribution:
    /// the second of two identical backward passes doubles every gradient (up to the rounding of the sums that
    /// broadcast operands and gains take). Their backward closures do not keep their own outputs alive.
    @Test func wholeGradientsAreWrittenWhenFreshAndAddedOtherwise() {
        let cases: [(name: String, shapes: [[Int]], function: ([Tensor]) -> Tensor)] = [
            ("linear", [[5, 7], [3, 7]], { Tensor.linear($0[0], weight: $0[1]) }),
            ("matmul of a tensor with itself", [[4, 6]], { Tensor.matmul($0[0], $0[0], transposeB: true) }),
            ("add", [[6, 5], [6, 5]], { $0[0] + $0[1] }),
            ("a tensor times itself", [[37]], { $0[0] * $0[0] }),
            ("subtract a broadcast row", [[4, 9], [9]], { $0[0] - $0[1] }),
            ("multiply by a broadcast column", [[4, 9], [4, 1]], { $0[0] * $0[1] }),
            ("rmsNorm", [[3, 33], [33]], { Tensor.rmsNorm($0[0], weight: $0[1]) }),
            ("swiglu of a tensor with itself", [[37]], { Tensor.swiglu(gate: $0[0], up: $0[0]) }),
            (
                "swigluLinear", [[2, 20], [2, 20], [3, 20]],
                { Tensor.swigluLinear(gate: $0[0], up: $0[1], weight: $0[2]) }
            ),
            ("gelu", [[37]], { $0[0].gelu() }),
        ]
        for (index, (name, shapes, function)) in cases.enumerated() {
            let inputs = shapes.enumerated().map { randomTensor($0.element, seed: UInt64(10 * index + $0.offset)) }
            let loss = {
                let output = function(inputs)
                return (output * randomTensor(output.shape, seed: 99, requiresGrad: false)).sum()
            }
            // Freed buffers full of NaN, of every size the inputs' gradients take: the pool hands them out again.
            for count in shapes.map({ $0.reduce(1, *) }) {
                let poisoned = (0..<8).map { _ in Tensor.uninitialized(shape: [count]) }
                for tensor in poisoned { tensor.pointer.update(repeating: .nan, count: count) }
            }
            loss().backward()
            let once = inputs.map { $0.grad?.scalars ?? [] }
            loss().backward()
            for (input, first) in zip(inputs, once) {
                #expect(!first.isEmpty && first.allSatisfy(\.isFinite), "\(name)")
                expectClose(input.grad?.scalars ?? [], first.map { 2 * $0 })
            }
            #expect(!Self.outputOutlivesItsUse(function, shapes: shapes), "\(name)")
        }
    }

    /// Whether `function`'s output outlives its last reference when no backward pass runs (a graph branch the
    /// loss does not reach): a backward closure that captured its own output would keep it, and its buffer, forever.
    private static func outputOutlivesItsUse(_ function: ([Tensor]) -> Tensor, shapes: [[Int]]) -> Bool {
        weak var output: Tensor?
        do {
            let result = function(shapes.enumerated().map { randomTensor($0.element, seed: UInt64($0.offset)) })
            output = result
        }
        return output != nil
    }
}

@Suite struct AutogradReleaseTests {
    /// Without `retainGraph`, an intermediate is freed as soon as the backward pass is past it: when the first op's
    /// closure runs, the output of the last op (which nothing else holds) is already gone.
    @Test func backwardReleasesIntermediatesAsItGoes() {
        weak var late: Tensor?
        var lateAliveDuringFirstBackward: Bool?
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let loss: Tensor = {
            let first = Tensor.customOp("double", shape: [3], inputs: [x]) { output in
                for index in output.indices { output[index] = 2 * x.pointer[index] }
            } backward: { context in
                lateAliveDuringFirstBackward = late != nil
                guard let gradient = context.gradient(ofInput: 0) else { return }
                for index in gradient.indices { gradient[index] += 2 * context.outputGradientPointer[index] }
            }
            let second = first.scaled(by: 3)
            late = second
            return second.sum()
        }()
        loss.backward()
        #expect(lateAliveDuringFirstBackward == false)
        expectClose(x.grad?.scalars ?? [], [6, 6, 6])
    }

    /// A reshape hands its output's gradient buffer to its input when that is the input's first gradient, and
    /// adds into an existing one otherwise; a retained output gradient is not shared.
    @Test func reshapeGradientIsSharedOnlyWhenSafe() {
        let x = Tensor([1, 2, 3, 4], shape: [4], requiresGrad: true)
        let matrix = x.reshaped([2, 2])
        matrix.retainsGrad = true
        let flat = x.reshaped([1, 4])
        ((matrix * matrix).sum() + flat.scaled(by: 5).sum()).backward()
        // d/dx = 2x + 5
        expectClose(x.grad?.scalars ?? [], [7, 9, 11, 13])
        expectClose(matrix.grad?.scalars ?? [], [2, 4, 6, 8], tolerance: 0)
        let y = Tensor([1, 2], shape: [2], requiresGrad: true)
        y.reshaped([2, 1]).scaled(by: 4).sum().backward()
        y.reshaped([1, 2]).scaled(by: 1).sum().backward()
        expectClose(y.grad?.scalars ?? [], [5, 5], tolerance: 0)
    }
}
