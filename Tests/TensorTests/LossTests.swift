import Foundation
import TestKit
import Testing

@testable import Tensor

@Suite struct LossTests {
    @Test func crossEntropyReferenceValue() {
        let logits = Tensor([1, 2, 3, 5, 0, 0], shape: [2, 3])
        // Row 0: log(e¹+e²+e³) − 3; row 1: log(e⁵+2) − 5.
        let row0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let row1 = log(exp(5.0) + 2) - 5
        let loss = Tensor.crossEntropy(logits: logits, targets: [2, 0])
        #expect(abs(Double(loss.item) - (row0 + row1) / 2) < 1e-6)
        let summed = Tensor.crossEntropy(logits: logits, targets: [2, -100], reduction: .sum)
        #expect(abs(Double(summed.item) - row0) < 1e-6, "the ignored row adds nothing")
        #expect(Tensor.crossEntropy(logits: logits, targets: [-100, -100]).item == 0)
    }

    @Test func crossEntropyGradientsWithIgnoredRow() {
        checkGradients([randomTensor([4, 7], seed: 1, scale: 3)]) {
            Tensor.crossEntropy(logits: $0[0], targets: [3, -100, 0, 6])
        }
    }

    /// Excluded classes leave the softmax: the loss is cross-entropy over the kept classes, and they take no
    /// gradient.
    @Test func crossEntropyWithExcludedClasses() throws {
        let logits = Tensor([1, 2, 3, 4, 5, 0, 0, 9], shape: [2, 4], requiresGrad: true)
        let loss = Tensor.crossEntropy(logits: logits, targets: [2, 1], reduction: .sum, excluded: [[3], [0, 3, 0]])
        // Row 0 keeps classes 0–2: log(e¹+e²+e³) − 3; row 1 keeps classes 1 and 2: log(e⁰+e⁰) − 0.
        let expected = (log(exp(1.0) + exp(2.0) + exp(3.0)) - 3) + log(2.0)
        #expect(abs(Double(loss.item) - expected) < 1e-6)
        loss.backward()
        let gradient = try #require(logits.grad).scalars
        #expect([gradient[3], gradient[4], gradient[7]] == [0, 0, 0], "excluded classes took gradient: \(gradient)")
        #expect(abs(gradient[5] + 0.5) < 1e-6 && abs(gradient[6] - 0.5) < 1e-6, "\(gradient)")
    }

    @Test func crossEntropyGradientsWithExcludedClasses() {
        checkGradients([randomTensor([3, 6], seed: 13, scale: 2)]) {
            Tensor.crossEntropy(logits: $0[0], targets: [3, 1, 0], excluded: [[0, 5], [], [2, 3, 4]])
        }
    }

    /// Classes unavailable to every row leave each softmax as per-row exclusions of them would, alone and
    /// together with per-row lists.
    @Test func crossEntropyWithUnavailableClassesEqualsExcludingThemFromEveryRow() throws {
        let values = randomTensor([3, 6], seed: 21, scale: 2).scalars
        func lossAndGradient(excluded: [[Int]]?, unavailable: [Int]) throws -> (Float, [Float]) {
            let logits = Tensor(values, shape: [3, 6], requiresGrad: true)
            let loss = Tensor.crossEntropy(
                logits: logits, targets: [3, 1, 0], reduction: .sum, excluded: excluded, unavailable: unavailable)
            loss.backward()
            return (loss.item, try #require(logits.grad).scalars)
        }
        let shared = try lossAndGradient(excluded: nil, unavailable: [5, 2])
        #expect(try shared == lossAndGradient(excluded: [[5, 2], [5, 2], [5, 2]], unavailable: []))
        #expect(shared.1[2] == 0 && shared.1[5] == 0 && shared.1[8] == 0 && shared.1[17] == 0)
        #expect(
            try lossAndGradient(excluded: [[4], [], [4]], unavailable: [5])
                == lossAndGradient(
                    excluded: [[4, 5], [5], [5, 4]], unavailable: []))
        checkGradients([randomTensor([3, 6], seed: 13, scale: 2)]) {
            Tensor.crossEntropy(logits: $0[0], targets: [3, 1, 0], excluded: [[0], [], [2]], unavailable: [5])
        }
    }

    /// 50 000 classes: the analytic gradient matches a Double-precision softmax everywhere, and finite differences
    /// at the targets, at a few dominant classes and at random classes.
    @Test func crossEntropyWithFiftyThousandClasses() {
        let classes = 50_000
        let logits = randomTensor([2, classes], seed: 2, scale: 2)
        let boosted = [17, 31_000, 49_999]
        for row in 0..<2 {
            for index in boosted { logits.pointer[row * classes + index] += 9 }
        }
        let targets = [31_000, 123]
        Tensor.crossEntropy(logits: logits, targets: targets).backward()
        let gradient = logits.grad?.scalars ?? []
        let values = logits.scalars.map(Double.init)
        var worst = 0.0
        for row in 0..<2 {
            let line = values[(row * classes)..<((row + 1) * classes)]
            let maximum = line.max() ?? 0
            let total = line.reduce(0) { $0 + exp($1 - maximum) }
            for index in 0..<classes {
                let probability = exp(values[row * classes + index] - maximum) / total
                let expected = (probability - (index == targets[row] ? 1 : 0)) / 2
                worst = max(worst, abs(expected - Double(gradient[row * classes + index])))
            }
        }
        #expect(worst < 1e-6, "largest deviation from the Double reference: \(worst)")
        logits.zeroGrad()
        let checked = boosted + [123, 5, 40_000] + boosted.map { classes + $0 } + [classes + 123, classes + 777]
        checkGradients([logits], indices: checked) { Tensor.crossEntropy(logits: $0[0], targets: targets) }
    }

    @Test func infoNCEMatchesDefinitionAndGradients() {
        let queries = randomTensor([3, 4], seed: 3)
        let keys = randomTensor([5, 4], seed: 4)
        let positives = [4, 0, 2]
        let loss = Tensor.infoNCE(queries: queries, keys: keys, positives: positives, temperature: 0.5).item
        var expected = 0.0
        for row in 0..<3 {
            let scores = (0..<5).map { key in
                (0..<4).reduce(0.0) { $0 + Double(queries.scalars[row * 4 + $1] * keys.scalars[key * 4 + $1]) } / 0.5
            }
            expected += log(scores.map(exp).reduce(0, +)) - scores[positives[row]]
        }
        #expect(abs(Double(loss) - expected / 3) < 1e-5)
        checkGradients([queries, keys]) {
            Tensor.infoNCE(queries: $0[0], keys: $0[1], positives: positives, temperature: 0.5)
        }
    }
}

@Suite struct RouterTests {
    @Test func gatesAreSoftmaxOverTopK() {
        let logits = Tensor([1, 3, 2, 0, 5, 4, 4, 1], shape: [2, 4])
        let routing = Tensor.topKGate(logits, k: 2)
        #expect(Array(routing.experts(ofRow: 0)) == [1, 2])
        #expect(Array(routing.experts(ofRow: 1)) == [0, 1], "ties keep the lower expert index")
        let a = Float(exp(1.0) / (exp(1.0) + 1))
        expectClose(routing.gates.scalars, [0, a, 1 - a, 0, a, 1 - a, 0, 0])
    }

    /// Gradients reach only the selected experts' logits, and through a linear router only the gate-weight
    /// rows of experts that some row selected.
    @Test func gradientsFlowOnlyToSelectedExperts() {
        let x = randomTensor([3, 4], seed: 1)
        let router = randomTensor([5, 4], seed: 2)
        let logits = withoutGradients { Tensor.linear(x, weight: router) }
        let routing = Tensor.topKGate(logits, k: 2)
        let selected = Set(routing.experts)
        checkGradients([x, router]) { Tensor.topKGate(Tensor.linear($0[0], weight: $0[1]), k: 2).gates }
        let gradient = router.grad?.scalars ?? []
        for expert in 0..<5 where !selected.contains(expert) {
            #expect(gradient[(expert * 4)..<(expert * 4 + 4)].allSatisfy { $0 == 0 }, "expert \(expert) not selected")
        }
        // Per row: the logits gradient is zero off the selected experts.
        let leaf = Tensor(logits.scalars, shape: logits.shape, requiresGrad: true)
        let gates = Tensor.topKGate(leaf, k: 2).gates
        gates.backward(gradient: randomTensor(gates.shape, seed: 3, requiresGrad: false))
        for row in 0..<3 {
            let chosen = Set(routing.experts(ofRow: row))
            for expert in 0..<5 where !chosen.contains(expert) {
                #expect(leaf.grad?.scalars[row * 5 + expert] == 0)
            }
        }
    }
}

@Suite struct LinearCrossEntropyTests {
    /// The fused op equals cross-entropy of the explicit logits, in value and in both gradients, for every chunk
    /// height (one row, uneven, all rows) and both reductions, with ignored rows and an upstream factor.
    @Test func matchesExplicitLogits() {
        let targets = [3, -100, 0, 12, 7]
        for reduction in [LossReduction.mean, .sum] {
            let reference: (Float, [Float], [Float]) = {
                let (hidden, weight) = (randomTensor([5, 8], seed: 1), randomTensor([13, 8], seed: 2))
                let logits = Tensor.linear(hidden, weight: weight)
                let loss = Tensor.crossEntropy(logits: logits, targets: targets, reduction: reduction)
                loss.scaled(by: 2).backward()
                return (loss.item, hidden.grad?.scalars ?? [], weight.grad?.scalars ?? [])
            }()
            for chunkRows in [1, 2, 5, 64] {
                let (hidden, weight) = (randomTensor([5, 8], seed: 1), randomTensor([13, 8], seed: 2))
                let loss = Tensor.linearCrossEntropy(
                    hidden: hidden, weight: weight, targets: targets, ignoreIndex: -100, reduction: reduction,
                    chunkRows: chunkRows)
                #expect(abs(loss.item - reference.0) < 1e-5, "chunk \(chunkRows): \(loss.item) vs \(reference.0)")
                loss.scaled(by: 2).backward()
                expectClose(hidden.grad?.scalars ?? [], reference.1)
                expectClose(weight.grad?.scalars ?? [], reference.2)
            }
        }
    }

    @Test func gradientsByFiniteDifferences() {
        checkGradients([randomTensor([2, 3, 6], seed: 3, scale: 2), randomTensor([9, 6], seed: 4)]) {
            Tensor.linearCrossEntropy(
                hidden: $0[0], weight: $0[1], targets: [1, 8, -100, 0, 4, 4], ignoreIndex: -100, reduction: .mean,
                chunkRows: 4)
        }
    }

    @Test func frozenWeightGetsNoGradientAndInferenceRecordsNothing() {
        let hidden = randomTensor([3, 4], seed: 5)
        let weight = randomTensor([6, 4], seed: 6, requiresGrad: false)
        Tensor.linearCrossEntropy(hidden: hidden, weight: weight, targets: [0, 5, 2]).backward()
        #expect(weight.grad == nil && hidden.grad != nil)
        let loss = withoutGradients { Tensor.linearCrossEntropy(hidden: hidden, weight: weight, targets: [0, 5, 2]) }
        #expect(!loss.requiresGrad)
        let explicit = Tensor.crossEntropy(logits: Tensor.linear(hidden, weight: weight), targets: [0, 5, 2])
        #expect(abs(loss.item - explicit.item) < 1e-6)
    }
}
