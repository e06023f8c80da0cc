import Tensor
import TestKit
import Testing

@testable import MixRec

@Suite struct CollaborativeModelTests {
    /// A model; with `textWidth`, `item_text` is on and every item gets random unit-norm text features.
    func model(
        items: Int = 7, length: Int = 5, width: Int = 8, heads: Int = 2, seed: UInt64 = 3, textWidth: Int? = nil,
        dropout: Double = 0.2, attentionDropout: Double = 0.2, idDropout: Double = 0
    ) -> CollaborativeModel {
        var configuration = CollaborativeConfig()
        configuration.idDropout = idDropout
        configuration.dropout = dropout
        configuration.attentionDropout = attentionDropout
        configuration.width = width
        configuration.heads = heads
        configuration.blocks = 2
        configuration.itemText = textWidth != nil
        var generator = RandomGenerator(seed: seed)
        let model = CollaborativeModel(
            configuration: configuration, itemCount: items, maximumLength: length, textWidth: textWidth,
            generator: &generator)
        if let textWidth {
            let features = randomTensor([items, textWidth], seed: seed + 1, requiresGrad: false)
            model.useTextFeatures(Tensor.rmsNorm(features, weight: Tensor.ones([textWidth]), epsilon: 1e-6))
        }
        return model
    }

    @Test func statesAreCausalAndIndependentOfTheOtherHistories() {
        let model = self.model()
        var generator = RandomGenerator(seed: 1)
        let a = model.states([[1, 2, 3], [4, 5, 6, 1, 2]], training: false, generator: &generator)
        let b = model.states([[1, 2, 3], [4, 5, 6, 1, 3]], training: false, generator: &generator)
        // History 1 differs only in its last item: every earlier state is unchanged, the last one changes.
        let (a1, b1) = (a.last([0, 5]).scalars, b.last([0, 5]).scalars)
        let width = 8
        #expect(Array(a1[..<(4 * width)]) == Array(b1[..<(4 * width)]))
        #expect(Array(a1[(4 * width)...]) != Array(b1[(4 * width)...]))
        let alone = model.states([[1, 2, 3]], training: false, generator: &generator)
        #expect(alone.values.shape == [3, width])
        expectClose(a.last([3, 0]).scalars, alone.values.scalars, tolerance: 1e-5)
    }

    @Test func shortHistoriesShareALaneWithoutChangingTheirStates() {
        let layout = LaneLayout(lengths: [2, 3, 5, 1])
        // Longest first, each into the first lane with room: 5 → lane 0; 3 → lane 1; 2 → lane 1 after it; 1 → lane 2.
        #expect(layout.laneLength == 5 && layout.lanes == 3)
        #expect(layout.slots.map(\.lane) == [1, 1, 0, 2])
        #expect(layout.slots.map(\.offset) == [3, 0, 0, 0])
        let model = self.model(length: 5)
        var generator = RandomGenerator(seed: 1)
        let packed = model.states([[1, 2], [3, 4, 5], [6, 6, 6, 6, 6]], training: false, generator: &generator)
        #expect(packed.values.shape == [10, 8])
        for (index, history) in [[1, 2], [3, 4, 5]].enumerated() {
            var counts = [0, 0, 0]
            counts[index] = history.count
            let alone = model.states([history], training: false, generator: &generator).values.scalars
            expectClose(packed.last(counts).scalars, alone, tolerance: 1e-5)
        }
        // Rows no history occupies are zeros.
        let occupied = Set(packed.rows(lastPositions: [2, 3, 5]))
        let values = packed.values.scalars
        for row in 0..<10 where !occupied.contains(row) {
            #expect(values[(row * 8)..<((row + 1) * 8)].allSatisfy { $0 == 0 })
        }
    }

    @Test func textFeaturesEnterTheItemVectorsThroughTheProjection() throws {
        let plain = self.model()
        let withText = self.model(textWidth: 5)
        #expect(plain.itemVectors().scalars == plain.itemEmbeddings.scalars)
        let projection = try #require(withText.parameters.byName["text_projection"])
        #expect(projection.shape == [5, 8])
        let added = zip(withText.itemVectors().scalars, withText.itemEmbeddings.scalars).map { $0 - $1 }
        #expect(added.contains { abs($0) > 1e-4 }, "the projected text is added to the ID embeddings")
        projection.copyValues(from: Tensor.zeros([5, 8]))
        expectClose(withText.itemVectors().scalars, withText.itemEmbeddings.scalars, tolerance: 0)
    }

    /// `id_dropout`: in a pass where the model learns, each item is either its full vector or its projected text
    /// alone, at about the configured rate; a dropped item's ID embedding takes no gradient; other passes keep
    /// every ID embedding.
    @Test func identityDropoutLeavesSomeItemsTheirTextAlone() throws {
        let (items, width, rate) = (600, 8, 0.3)
        let model = self.model(
            items: items, width: width, textWidth: 5, dropout: 0, attentionDropout: 0, idDropout: rate)
        let full = model.itemVectors().scalars
        let text = try #require(model.textFeatures.flatMap(model.projectedText)).scalars
        var generator = RandomGenerator(seed: 9)
        #expect(model.states([[1, 2]], training: true, generator: &generator).items.scalars == full)
        #expect(
            model.states([[1, 2]], training: false, dropsIdentities: true, generator: &generator).items.scalars == full)
        let dropping = model.states([[1, 2]], training: true, dropsIdentities: true, generator: &generator)
        let vectors = dropping.items.scalars
        let row = { (values: [Float], item: Int) in Array(values[(item * width)..<((item + 1) * width)]) }
        let dropped = (0..<items).filter { row(vectors, $0) != row(full, $0) }
        for item in 0..<items {
            let expected = dropped.contains(item) ? row(text, item) : row(full, item)
            expectClose(row(vectors, item), expected, tolerance: 1e-6)
        }
        #expect(abs(Double(dropped.count) / Double(items) - rate) < 0.06, "\(dropped.count) of \(items) dropped")
        dropping.items.sum().backward()
        let gradient = try #require(model.itemEmbeddings.grad).scalars
        for item in 0..<items {
            #expect(row(gradient, item) == [Float](repeating: dropped.contains(item) ? 0 : 1, count: width))
        }
    }

    @Test func clearedIdentitiesLeaveAnItemItsProjectedText() throws {
        let model = self.model(textWidth: 5)
        let text = try #require(model.textFeatures.flatMap(model.projectedText)).scalars
        model.clearIdentities(of: [2, 5])
        let vectors = model.itemVectors().scalars
        for item in 0..<7 {
            let range = (item * 8)..<((item + 1) * 8)
            #expect(model.itemEmbeddings.scalars[range].allSatisfy { $0 == 0 } == [2, 5].contains(item))
            if [2, 5].contains(item) { expectClose(Array(vectors[range]), Array(text[range]), tolerance: 0) }
        }
    }

    @Test(arguments: [nil, 5])
    func gradientsMatchFiniteDifferences(textWidth: Int?) {
        let model = self.model(items: 5, length: 3, width: 4, heads: 2, textWidth: textWidth)
        // Embeddings start tiny (std 0.02), where LayerNorm is too curved for a finite-difference step of 1e-2.
        for (index, parameter) in model.parameters.tensors.enumerated() {
            parameter.copyValues(from: randomTensor(parameter.shape, seed: 50 + UInt64(index)))
        }
        var generator = RandomGenerator(seed: 2)
        checkGradients(model.parameters.tensors, elements: 6) { _ in
            let states = model.states([[1, 2], [3, 4, 0]], training: false, generator: &generator)
            return states.scores(states.last([2, 3]))
        }
    }

    /// Attention dropout alone changes the training states, is off when evaluating, and back-propagates exactly
    /// (a fixed generator state gives the same masks, so finite differences apply).
    @Test func attentionDropoutActsOnlyInTraining() {
        let model = self.model(items: 5, length: 3, width: 4, heads: 2, dropout: 0, attentionDropout: 0.4)
        for (index, parameter) in model.parameters.tensors.enumerated() {
            parameter.copyValues(from: randomTensor(parameter.shape, seed: 60 + UInt64(index)))
        }
        func states(training: Bool) -> Tensor {
            var generator = RandomGenerator(seed: 5)
            let states = model.states([[1, 2, 3], [3, 4, 0]], training: training, generator: &generator)
            return states.scores(states.last([3, 3]))
        }
        let evaluation = states(training: false).scalars
        #expect(states(training: true).scalars != evaluation)
        let undropped = self.model(items: 5, length: 3, width: 4, heads: 2, dropout: 0, attentionDropout: 0)
        zip(undropped.parameters.tensors, model.parameters.tensors).forEach { $0.copyValues(from: $1) }
        var generator = RandomGenerator(seed: 5)
        let plain = undropped.states([[1, 2, 3], [3, 4, 0]], training: true, generator: &generator)
        expectClose(plain.scores(plain.last([3, 3])).scalars, evaluation, tolerance: 1e-6)
        checkGradients(model.parameters.tensors, elements: 6) { _ in states(training: true) }
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
            let states = model.states(histories.map { Array($0.prefix(4)) }, training: false, generator: &generator)
            let targets = histories.flatMap { Array($0.dropFirst()) }
            let value = Tensor.crossEntropy(
                logits: states.scores(states.last([Int](repeating: 4, count: items))), targets: targets)
            value.backward()
            optimizer.update()
            loss = value.item
        }
        #expect(loss < 0.2, "cross-entropy after training: \(loss)")
    }
}
