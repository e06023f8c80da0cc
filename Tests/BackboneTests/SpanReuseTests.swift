import Testing

@testable import Backbone
@testable import Tensor

/// The span-state reuse path against the dense pass under span masks, on the tiny random Llama.
@Suite struct SpanReuseTests {
    /// Spans of lengths 3, 4, 3 and two sequences using them (both of length 10 for the dense batch).
    let spanLengths = [3, 4, 3]
    let sequences = [
        SpanSequence([.span(0), .global(count: 1), .span(1), .global(count: 2)]),
        SpanSequence([.span(2), .global(count: 1), .span(0), .global(count: 3)]),
    ]
    var layouts: [SpanLayout] {
        [
            SpanLayout([.span(length: 3), .global(length: 1), .span(length: 4), .global(length: 2)]),
            SpanLayout([.span(length: 3), .global(length: 1), .span(length: 3), .global(length: 3)]),
        ]
    }

    struct Inputs {
        let spans: [Tensor]
        let global: Tensor  // [2, 4, D]
    }

    func inputs(width: Int) -> Inputs {
        var generator = RandomGenerator(seed: 11)
        let spans = self.spanLengths.map {
            Tensor.randomNormal([$0, width], generator: &generator, requiresGrad: true)
        }
        let global = Tensor.randomNormal([2, 4, width], generator: &generator, requiresGrad: true)
        return Inputs(spans: spans, global: global)
    }

    /// The dense `[2, 10, D]` input assembled from the same span and global embeddings, and for each sequence the
    /// dense row of every global position and of every span row.
    func denseInput(_ inputs: Inputs) -> (Tensor, globalRows: [[Int]], spanRows: [[(span: Int, row: Int, dense: Int)]])
    {
        var pieces: [Tensor] = []
        var globalRows: [[Int]] = []
        var spanRows: [[(Int, Int, Int)]] = []
        for (b, sequence) in self.sequences.enumerated() {
            var position = 0
            var g = 0
            var globals: [Int] = []
            var spans: [(Int, Int, Int)] = []
            for segment in sequence.segments {
                switch segment {
                case .span(let span, _):
                    pieces.append(inputs.spans[span])
                    for row in 0..<self.spanLengths[span] { spans.append((span, row, b * 10 + position + row)) }
                    position += self.spanLengths[span]
                case .global(let count):
                    pieces.append(
                        inputs.global.slice(axis: 0, b..<(b + 1)).reshaped([4, -1]).slice(axis: 0, g..<(g + count)))
                    for index in 0..<count { globals.append(position + index) }
                    g += count
                    position += count
                }
            }
            globalRows.append(globals)
            spanRows.append(spans)
        }
        let width = inputs.global.shape[2]
        return (Tensor.concat(pieces, axis: 0).reshaped([2, 10, width]), globalRows, spanRows)
    }

    func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    /// With `outputRows` the last block's MLP runs for those rows only: the same states as the full pass's rows.
    @Test(arguments: [false, true])
    func outputRowsEqualThoseRowsOfTheFullPass(withAdapters: Bool) throws {
        let model = try TinyLlama.model()
        let width = model.configuration.width
        let hook = withAdapters ? TestAdapters(configuration: model.configuration, seed: 5).hook : nil
        let inputs = self.inputs(width: width)
        let states = model.spanStates(inputs.spans, hook: hook)
        let full = model.forward(global: inputs.global, sequences: self.sequences, states: states, hook: hook)
            .reshaped([8, width])
        let rows = [2, 7, 5]
        let selected = model.forward(
            global: inputs.global, sequences: self.sequences, states: states, hook: hook, outputRows: rows)
        #expect(selected.shape == [3, 1, width])
        #expect(self.maximumDifference(selected.scalars, full.gather(rows: rows).scalars) < 1e-5)
    }

    /// The kept rows' gradients (into the global input, the span inputs and every adapter) equal the full pass's
    /// gradients of the same rows: the last block's kept-row attention and its hooks' routing pass gradients alike.
    @Test func outputRowsGradientsEqualTheFullPassGradients() throws {
        let model = try TinyLlama.model()
        let width = model.configuration.width
        let adapters = TestAdapters(configuration: model.configuration, seed: 5)
        let rows = [2, 7, 5]
        var generator = RandomGenerator(seed: 8)
        let projection = Tensor.randomNormal([3, width], generator: &generator)
        func gradients(kept: Bool) -> [[Float]] {
            let inputs = self.inputs(width: width)
            let states = model.spanStates(inputs.spans, hook: adapters.hook)
            let hidden =
                kept
                ? model.forward(
                    global: inputs.global, sequences: self.sequences, states: states, hook: adapters.hook,
                    outputRows: rows
                ).reshaped([3, width])
                : model.forward(global: inputs.global, sequences: self.sequences, states: states, hook: adapters.hook)
                    .reshaped([8, width]).gather(rows: rows)
            (hidden * projection).sum().backward()
            let tensors = [inputs.global] + inputs.spans + adapters.parameters
            defer { tensors.forEach { $0.grad = nil } }
            return tensors.map { $0.grad?.scalars ?? [] }
        }
        let full = gradients(kept: false)
        let kept = gradients(kept: true)
        #expect(full.contains { gradient in gradient.contains { $0 != 0 } })
        for (index, (expected, actual)) in zip(full, kept).enumerated() {
            #expect(expected.count == actual.count, "tensor \(index): gradient missing")
            #expect(self.maximumDifference(actual, expected) < 1e-4, "tensor \(index)")
        }
    }

    @Test(arguments: [false, true])
    func reuseEqualsDenseMaskedPass(withAdapters: Bool) throws {
        let model = try TinyLlama.model()
        let width = model.configuration.width
        let adapters = TestAdapters(configuration: model.configuration, seed: 5)
        let hook: BackboneHook? = withAdapters ? adapters.hook : nil
        var generator = RandomGenerator(seed: 3)
        let projection = Tensor.randomNormal([width], generator: &generator)

        // Dense pass with the structured span mask.
        let dense = self.inputs(width: width)
        let (denseInput, globalRows, spanRows) = self.denseInput(dense)
        let denseHidden = model.forward(denseInput, mask: SpanLayout.mask(self.layouts), hook: hook)
            .reshaped([20, width])
        let denseGlobal = denseHidden.gather(
            rows: globalRows.enumerated().flatMap { b, rows in rows.map { b * 10 + $0 } })
        let denseSpans = denseHidden.gather(rows: spanRows.flatMap { $0.map(\.dense) })
        (Tensor.concat([denseGlobal, denseSpans], axis: 0) * projection).sum().backward()

        // Reuse: span states once, then the global positions.
        let reuse = self.inputs(width: width)
        let states = model.spanStates(reuse.spans, hook: hook)
        let global = model.forward(global: reuse.global, sequences: self.sequences, states: states, hook: hook)
            .reshaped([8, width])
        let reuseGlobal = global.gather(rows: [0, 1, 2, 4, 5, 6, 7])  // sequence 0 pads row 3
        let reuseSpans = states.hidden(rows: spanRows.flatMap { $0.map { ($0.span, $0.row) } })
        (Tensor.concat([reuseGlobal, reuseSpans], axis: 0) * projection).sum().backward()

        #expect(self.maximumDifference(denseGlobal.scalars, reuseGlobal.scalars) < 1e-4)
        #expect(self.maximumDifference(denseSpans.scalars, reuseSpans.scalars) < 1e-4)
        // Gradients reach the same span and global inputs on both paths (the span used twice gets both uses).
        for (d, r) in zip(dense.spans, reuse.spans) {
            #expect(self.maximumDifference(try #require(d.grad).scalars, try #require(r.grad).scalars) < 1e-3)
        }
        let denseGlobalGrad = try #require(dense.global.grad).scalars
        let reuseGlobalGrad = try #require(reuse.global.grad).scalars
        let used = [0, 1, 2, 4, 5, 6, 7].flatMap { row in (row * width)..<((row + 1) * width) }
        #expect(self.maximumDifference(used.map { denseGlobalGrad[$0] }, used.map { reuseGlobalGrad[$0] }) < 1e-3)
    }

    @Test func prefixCacheEqualsTheFullCausalPass() throws {
        let model = try TinyLlama.model()
        let tokens = [5, 70, 200, 33, 9, 120, 7]
        withoutGradients {
            let full = model.forward(model.embed([tokens])).scalars
            let prefix = model.cachePrefix(Array(tokens.prefix(4)))
            let rest = model.forward(
                global: model.embed([Array(tokens.suffix(3))]),
                sequences: [SpanSequence([.span(0), .global(count: 3)])], states: prefix)
            let prefixHidden = prefix.hidden(rows: (0..<4).map { (0, $0) })
            #expect(self.maximumDifference(full, prefixHidden.scalars + rest.scalars) < 1e-4)
        }
    }

    /// Every span's mean final state, kept by the key/value table, against the plain forward pass of that span alone;
    /// spans of several lengths in chunks smaller than their count.
    @Test func theTableKeepsEachSpansMeanFinalState() throws {
        let model = try TinyLlama.model()
        let spans = [[5, 70, 200], [33], [9, 120, 7, 44], [8, 8], [250, 2, 1]]
        let table = model.spanKeyValueTable(tokens: spans, layers: 1..<model.configuration.blockCount, chunkSize: 2)
        let width = model.configuration.width
        #expect(table.meanStates.shape == [spans.count, width])
        withoutGradients {
            for (index, tokens) in spans.enumerated() {
                let states = model.forward(model.embed([tokens])).reshaped([tokens.count, width])
                let mean = states.mean(axis: 0).scalars
                let kept = Array(table.meanStates.scalars[(index * width)..<((index + 1) * width)])
                #expect(self.maximumDifference(mean, kept) < 1e-4, "span \(index)")
            }
        }
    }

    /// Summary-style attention: global positions see only each span's last row, at its original position; the
    /// dense equivalent is a key-range mask with one range per visible row.
    @Test func visibleRowsEqualTheMatchingKeyRangeMask() throws {
        let model = try TinyLlama.model()
        withoutGradients {
            let states = model.spanStates(tokens: [[1, 2, 3], [4, 5, 6]])
            let input = model.embed([[9, 10]])
            let all = model.forward(
                global: input, sequences: [SpanSequence([.span(0), .span(1), .global(count: 2)])], states: states)
            let summary = SpanSequence([.span(0, visibleRows: 2..<3), .span(1, visibleRows: 2..<3), .global(count: 2)])
            let last = model.forward(global: input, sequences: [summary], states: states)
            #expect(self.maximumDifference(all.scalars, last.scalars) > 1e-3, "fewer visible keys change the result")
            let mask = KeyRangeMask(groups: [
                .init(queryRows: 0..<3, keyRanges: [0..<3], causalOffset: 0),
                .init(queryRows: 3..<6, keyRanges: [3..<6], causalOffset: 0),
                .init(queryRows: 6..<8, keyRanges: [2..<3, 5..<6, 6..<8], causalOffset: 0),
            ])
            let dense = model.forward(model.embed([[1, 2, 3, 4, 5, 6, 9, 10]]), mask: .keyRanges(mask))
            #expect(self.maximumDifference(dense.slice(axis: 1, 6..<8).scalars, last.scalars) < 1e-4)
        }
    }
}
