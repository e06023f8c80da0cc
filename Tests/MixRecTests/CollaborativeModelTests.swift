import Tensor
import TestKit
import Testing

@testable import MixRec

@Suite struct CollaborativeModelTests {
    func model(items: Int = 7, length: Int = 5, width: Int = 8, heads: Int = 2, seed: UInt64 = 3) -> CollaborativeModel
    {
        var configuration = CollaborativeConfig()
        configuration.width = width
        configuration.heads = heads
        configuration.blocks = 2
        var generator = RandomGenerator(seed: seed)
        return CollaborativeModel(
            configuration: configuration, itemCount: items, maximumLength: length, generator: &generator)
    }

    @Test func statesAreCausalAndIgnorePadding() {
        let model = self.model()
        var generator = RandomGenerator(seed: 1)
        let a = model.states([[1, 2, 3], [4, 5, 6, 1, 2]], dropout: 0, generator: &generator).scalars
        let b = model.states([[1, 2, 3], [4, 5, 6, 1, 3]], dropout: 0, generator: &generator).scalars
        let (length, width) = (5, 8)
        // Row 1 differs only in its last item: every earlier state is unchanged, the last one changes.
        let row1 = length * width
        #expect(Array(a[row1..<(row1 + 4 * width)]) == Array(b[row1..<(row1 + 4 * width)]))
        #expect(Array(a[(row1 + 4 * width)...]) != Array(b[(row1 + 4 * width)...]))
        // Row 0 (3 items) has 2 padding positions, which are zero, and does not depend on the other row.
        #expect(a[0..<(2 * width)].allSatisfy { $0 == 0 })
        let alone = model.states([[1, 2, 3]], dropout: 0, generator: &generator)
        #expect(alone.shape == [1, 3, width])
        expectClose(Array(a[(2 * width)..<row1]), alone.scalars, tolerance: 1e-5)
    }

    @Test func batchesArePaddedOnlyToTheirLongestHistory() {
        let model = self.model(length: 5)
        var generator = RandomGenerator(seed: 1)
        let short = model.states([[1, 2], [3, 4, 5]], dropout: 0, generator: &generator)
        #expect(short.shape == [2, 3, 8])
        let rows = CollaborativeModel.rows(lastPositions: [2, 1], length: 3)
        #expect(rows == [1, 2, 5])
        let long = model.states([[1, 2], [3, 4, 5], [6, 6, 6, 6, 6]], dropout: 0, generator: &generator)
        let longRows = CollaborativeModel.rows(lastPositions: [2, 1], length: 5)
        expectClose(
            short.reshaped([6, 8]).gather(rows: rows).scalars, long.reshaped([15, 8]).gather(rows: longRows).scalars,
            tolerance: 1e-5)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let model = self.model(items: 5, length: 3, width: 4, heads: 2)
        // Embeddings start tiny (std 0.02), where LayerNorm is too curved for a finite-difference step of 1e-2.
        for (index, parameter) in model.parameters.tensors.enumerated() {
            parameter.copyValues(from: randomTensor(parameter.shape, seed: 50 + UInt64(index)))
        }
        var generator = RandomGenerator(seed: 2)
        checkGradients(model.parameters.tensors, elements: 6) { _ in
            let states = model.states([[1, 2], [3, 4, 0]], dropout: 0, generator: &generator)
            return model.scores(states.reshaped([6, 4]))
        }
    }

    @Test func learnsASequentialPattern() {
        // Every history walks the items in order (i → i + 1 mod n): the next item is fully predictable.
        let items = 6
        let model = self.model(items: items, length: 4, width: 16, heads: 1, seed: 9)
        let optimizer = AdamW(parameters: model.parameters.tensors, configuration: .init(learningRate: 1e-2))
        var generator = RandomGenerator(seed: 4)
        let histories = (0..<items).map { start in (0..<5).map { (start + $0) % items } }
        var loss: Float = 0
        for _ in 0..<60 {
            optimizer.zeroGradients()
            let states = model.states(histories.map { Array($0.prefix(4)) }, dropout: 0, generator: &generator)
            let targets = histories.flatMap { Array($0.dropFirst()) }
            let value = Tensor.crossEntropy(logits: model.scores(states.reshaped([items * 4, 16])), targets: targets)
            value.backward()
            optimizer.update()
            loss = value.item
        }
        #expect(loss < 0.2, "cross-entropy after training: \(loss)")
    }
}
