import Foundation
import TestKit
import Testing

@testable import Tensor

@Suite struct ElementwiseTests {
    @Test func broadcastingReferenceValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let row = Tensor([10, 20, 30], shape: [3])
        let column = Tensor([100, 200], shape: [2, 1])
        expectClose((a + row).scalars, [11, 22, 33, 14, 25, 36])
        expectClose((a - column).scalars, [-99, -98, -97, -196, -195, -194])
        expectClose((a * row).scalars, [10, 40, 90, 40, 100, 180])
        expectClose((row * column).scalars, [1000, 2000, 3000, 2000, 4000, 6000])
        #expect((row * column).shape == [2, 3])
        expectClose((a * 2).scalars, [2, 4, 6, 8, 10, 12])
        expectClose((-a).scalars, [-1, -2, -3, -4, -5, -6])
    }

    @Test(arguments: [[2, 3, 4], [4], [3, 1], [1, 4], [2, 1, 4]])
    func broadcastGradients(bShape: [Int]) {
        Self.checkAddSubtractMultiply(randomTensor([2, 3, 4], seed: 1), randomTensor(bShape, seed: 2))
    }

    @Test(arguments: [[3, 1], [1, 4], [4], [1, 3, 4]])
    func broadcastGradientsOfTheFirstOperand(aShape: [Int]) {
        Self.checkAddSubtractMultiply(randomTensor(aShape, seed: 4), randomTensor([2, 3, 4], seed: 5))
    }

    /// Gradient checks of `a + b`, `a - b` and `a * b`.
    static func checkAddSubtractMultiply(_ a: Tensor, _ b: Tensor) {
        for op in [{ (x: Tensor, y: Tensor) in x + y }, { $0 - $1 }, { $0 * $1 }] {
            a.zeroGrad()
            b.zeroGrad()
            checkGradients([a, b]) { op($0[0], $0[1]) }
        }
    }

    /// A broadcast operand's gradient is a sum: it must come out bit for bit as adding one element at a time, in
    /// order (the vectorised loops may not reorder it).
    @Test func aBroadcastGradientAddsInElementOrder() {
        let matrix = randomTensor([3, 50], seed: 7)
        let upstream = randomTensor([3, 50], seed: 8)
        for op in ["multiply", "subtract"] {
            let column = randomTensor([3, 1], seed: 6)
            // Twice: the second pass adds onto the first's gradient, as a tensor used twice in one graph does.
            for _ in 0..<2 {
                let result = op == "multiply" ? column * matrix : matrix - column
                result.backward(gradient: upstream)
            }
            var expected = [Float](repeating: 0, count: 3)
            for _ in 0..<2 {
                for row in 0..<3 {
                    for index in 0..<50 {
                        let g = upstream.scalars[row * 50 + index]
                        expected[row] += op == "multiply" ? g * matrix.scalars[row * 50 + index] : -g
                    }
                }
            }
            #expect(column.grad?.scalars == expected, "\(op)")
        }
    }

    @Test func scaleGradient() {
        checkGradients([randomTensor([3, 2], seed: 3)]) { $0[0].scaled(by: -2.5) }
    }
}

@Suite struct ActivationTests {
    @Test func referenceValues() {
        let x = Tensor([-2, -0.5, 0, 1, 3], shape: [5])
        let sigmoid: [Float] = [0.119_202_92, 0.377_540_67, 0.5, 0.731_058_6, 0.952_574_13]
        expectClose(x.sigmoid().scalars, sigmoid)
        expectClose(x.silu().scalars, zip(x.scalars, sigmoid).map { $0 * $1 })
        expectClose(x.relu().scalars, [0, 0, 0, 1, 3])
        expectClose(x.tanh().scalars, [-0.964_027_6, -0.462_117_16, 0, 0.761_594_2, 0.995_054_76])
        // GELU(x) = x·Φ(x): Φ(-2) = 0.022750, Φ(-0.5) = 0.308538, Φ(1) = 0.841345, Φ(3) = 0.998650
        expectClose(x.gelu().scalars, [-0.045_500_26, -0.154_268_88, 0, 0.841_344_7, 2.995_950_3])
        let up = Tensor([1, 2, 3, 4, 5], shape: [5])
        expectClose(Tensor.swiglu(gate: x, up: up).scalars, zip(x.silu().scalars, up.scalars).map { $0 * $1 })
    }

    @Test func geluMatchesTheExactFormAcrossItsRange() {
        let grid = (-1600...1600).map { Float($0) / 200 }
        let gelu = Tensor(grid, shape: [grid.count]).gelu().scalars
        for (x, value) in zip(grid, gelu) {
            let exact = 0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            #expect(abs(Double(value) - exact) <= 2e-7 * max(1, abs(Double(x))), "x = \(x)")
        }
    }

    @Test func siluOfLargeInputsIsFinite() {
        let x = Tensor([-200, -90, 90, 200], shape: [4])
        expectClose(x.silu().scalars, [0, 0, 90, 200])
    }

    @Test func gradients() {
        checkGradients([randomTensor([37], seed: 1, scale: 3)]) { $0[0].silu() }
        checkGradients([randomTensor([37], seed: 2, scale: 3)]) { $0[0].gelu() }
        checkGradients([randomTensor([9], seed: 3, scale: 3)]) { $0[0].sigmoid() }
        checkGradients([randomTensor([9], seed: 4, scale: 2)]) { $0[0].tanh() }
        // ReLU away from the kink at 0.
        checkGradients([Tensor([-1, -0.3, 0.4, 2], shape: [4], requiresGrad: true)]) { $0[0].relu() }
        // 37 elements: two full SIMD vectors plus a partial one.
        checkGradients([randomTensor([37], seed: 5, scale: 3), randomTensor([37], seed: 6)]) {
            Tensor.swiglu(gate: $0[0], up: $0[1])
        }
    }
}

@Suite struct NormalizationTests {
    @Test func rmsNormReferenceValues() {
        let x = Tensor([3, 4, 0, 0], shape: [2, 2])
        let w = Tensor([1, 2], shape: [2])
        // Row 1: rms = √12.5; row 2: all zero → 0.
        let r = 1 / (12.5 + 1e-5 as Float).squareRoot()
        expectClose(Tensor.rmsNorm(x, weight: w).scalars, [3 * r, 8 * r, 0, 0])
    }

    @Test func layerNormReferenceValues() {
        let x = Tensor([1, 2, 3, 4], shape: [1, 4])
        // mean 2.5, variance 1.25
        let s = 1 / (1.25 + 1e-5 as Float).squareRoot()
        let expected = [-1.5, -0.5, 0.5, 1.5].map { Float($0) * s * 2 + 1 }
        expectClose(Tensor.layerNorm(x, weight: Tensor.ones([4]) * 2, bias: Tensor.ones([4])).scalars, expected)
    }

    @Test func gradients() {
        checkGradients([randomTensor([3, 5], seed: 1), randomTensor([5], seed: 2)]) {
            Tensor.rmsNorm($0[0], weight: $0[1])
        }
        checkGradients([randomTensor([2, 6], seed: 3)]) { Tensor.rmsNorm($0[0], weight: nil) }
        checkGradients([randomTensor([3, 5], seed: 4), randomTensor([5], seed: 5), randomTensor([5], seed: 6)]) {
            Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2])
        }
        checkGradients([randomTensor([2, 4], seed: 7)]) { Tensor.layerNorm($0[0], weight: nil, bias: nil) }
    }
}

@Suite struct SwiGLULinearTests {
    /// The fused op equals `linear(swiglu(gate, up))` in value and in all three gradients.
    @Test func matchesTheComposedOps() {
        func run(fused: Bool) -> [[Float]] {
            let gate = randomTensor([2, 3, 20], seed: 1, scale: 2)
            let up = randomTensor([2, 3, 20], seed: 2)
            let weight = randomTensor([7, 20], seed: 3)
            let output =
                fused
                ? Tensor.swigluLinear(gate: gate, up: up, weight: weight)
                : Tensor.linear(Tensor.swiglu(gate: gate, up: up), weight: weight)
            output.backward(gradient: randomTensor(output.shape, seed: 4, requiresGrad: false))
            return [output.scalars, gate.grad?.scalars ?? [], up.grad?.scalars ?? [], weight.grad?.scalars ?? []]
        }
        for (fused, composed) in zip(run(fused: true), run(fused: false)) {
            #expect(!fused.isEmpty)
            expectClose(fused, composed, tolerance: 1e-5)
        }
    }

    @Test func gradientsByFiniteDifferences() {
        let inputs = [
            randomTensor([4, 6], seed: 5, scale: 2), randomTensor([4, 6], seed: 6), randomTensor([3, 6], seed: 7),
        ]
        checkGradients(inputs) { Tensor.swigluLinear(gate: $0[0], up: $0[1], weight: $0[2]) }
    }

    @Test func frozenWeightGetsNoGradient() {
        let weight = randomTensor([3, 6], seed: 8, requiresGrad: false)
        let gate = randomTensor([2, 6], seed: 9)
        Tensor.swigluLinear(gate: gate, up: gate, weight: weight).sum().backward()
        #expect(weight.grad == nil && gate.grad != nil)
    }
}
