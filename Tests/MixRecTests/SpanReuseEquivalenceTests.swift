import Tensor
import TestKit
import Testing

@testable import MixRec

/// The span-reuse path (item tower + sequence tower over cached text) against the plain masked pass over every
/// token: equal under context masking, and items' states independent of their context.
@Suite struct SpanReuseEquivalenceTests {
    let windows = [[3, 7, 1, 7], [1, 0], [5, 3, 9, 2, 7, 1]]

    func prepared(_ overrides: [String]) throws -> MixRecModel {
        let config = try TinyMixRec.config(overrides)
        let model = TinyMixRec.model(config, data: try TinyMixRec.data(config))
        TinyMixRec.perturb(model, seed: 40)
        return model
    }

    /// The user-side injection and the item tower's encoding of the windows' items, as a pass of the span path reads
    /// them.
    func sequenceInputs(_ model: MixRecModel, generator: inout RandomGenerator) -> (Tensor?, ItemEncoding) {
        let rows = model.collaborativeStates(self.windows, training: false, generator: &generator)
            .map { model.collaborativeRows($0, windows: self.windows) }
        let items = Array(Set(self.windows.joined())).sorted()
        return (model.userStates(collaborativeRows: rows), model.encodeItems(items, training: false))
    }

    @Test(arguments: ["summaries", "all"])
    func sequenceStatesEqualTheDenseMaskedPass(view: String) throws {
        let model = try self.prepared(["model.seq_view=\(view)"])
        var generator = RandomGenerator(seed: 1)
        let (user, items) = self.sequenceInputs(model, generator: &generator)
        let reuse = model.encodeSequences(self.windows, items: items, userStates: user)
        let dense = model.denseSequences(self.windows, userStates: user, training: false, generator: &generator)
        let valid = self.windows.enumerated().flatMap { user, window in
            (0..<window.count).map { user * 6 + $0 }
        }
        let width = 32
        let a = reuse.reshaped([18, width]).gather(rows: valid).scalars
        let b = dense.sequences.reshaped([18, width]).gather(rows: valid).scalars
        expectClose(a, b, tolerance: 1e-4)
        // The states differ between positions, so equality is not trivial.
        #expect(abs(a[0] - a[width]) > 1e-3)
    }

    /// Evaluation asks for each window's last `[SEQ]` only; the last block's MLP then runs for those rows alone, and
    /// they must equal the same rows of the full pass.
    @Test(arguments: ["summaries", "all"])
    func lastRowsEqualThoseRowsOfTheFullPass(view: String) throws {
        let model = try self.prepared(["model.seq_view=\(view)"])
        var generator = RandomGenerator(seed: 1)
        let (user, items) = self.sequenceInputs(model, generator: &generator)
        let last = self.windows.enumerated().map { $0.offset * 6 + $0.element.count - 1 }
        let full = model.encodeSequences(self.windows, items: items, userStates: user)
        let selected = model.encodeSequences(self.windows, items: items, userStates: user, outputRows: last)
        #expect(selected.shape == [3, 1, 32])
        expectClose(selected.scalars, full.reshaped([18, 32]).gather(rows: last).scalars, tolerance: 1e-5)
    }

    @Test func itemStatesDoNotDependOnContext() throws {
        let model = try self.prepared([])
        var generator = RandomGenerator(seed: 1)
        let dense = model.denseSequences(self.windows, userStates: nil, training: false, generator: &generator)
        let occurrences = self.windows.flatMap { $0 }
        let tower = model.encodeItems(Array(Set(occurrences)).sorted(), training: false)
        let width = 32
        let align = dense.align.scalars
        for (row, item) in occurrences.enumerated() {
            let slot = tower.slots[item] ?? -1
            expectClose(
                Array(align[(row * width)..<((row + 1) * width)]),
                Array(tower.align.scalars[(slot * width)..<((slot + 1) * width)]), tolerance: 1e-4)
        }
    }

    @Test func withoutContextMaskingItemStatesDependOnContext() throws {
        let model = try self.prepared(["model.context_masking=false"])
        var generator = RandomGenerator(seed: 1)
        let dense = model.denseSequences(self.windows, userStates: nil, training: false, generator: &generator)
        // Item 7 occurs at positions 1 and 3 of the first window (rows 1 and 3): different contexts.
        let width = 32
        let align = dense.align.scalars
        let first = Array(align[width..<(2 * width)])
        let second = Array(align[(3 * width)..<(4 * width)])
        #expect(zip(first, second).map { abs($0 - $1) }.max() ?? 0 > 1e-3)
    }
}
