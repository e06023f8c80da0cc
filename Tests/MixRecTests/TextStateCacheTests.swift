import Backbone
import Foundation
import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// The text-state cache: states read back from disk are bit-identical to computed ones and rank alike; another
/// backbone depth or other tokens miss; damaged, truncated, foreign and misshapen files are reported, deleted and
/// computed again.
@Suite struct TextStateCacheTests {
    typealias LogLines = WarmStartCacheTests.LogLines

    /// The tiny model's config, data, backbone and first adapted layer.
    struct Fixture {
        let config: MixRecConfig
        let data: RecommendationData
        let backbone = TinyMixRec.backbone()
        let firstLayer: Int

        init() throws {
            self.config = try TinyMixRec.config()
            self.data = try TinyMixRec.data(self.config)
            self.firstLayer = MixRecModel.firstAdaptedLayer(self.config.model.experts, layerCount: 3)
        }

        func key(firstLayer: Int? = nil, itemTokens: [[Int]]? = nil) -> TextStateKey {
            TextStateKey(
                backbone: self.backbone, itemTokens: itemTokens ?? self.data.itemTokens,
                firstLayer: firstLayer ?? self.firstLayer)
        }

        func compute() -> TextStates {
            TextStates.compute(backbone: self.backbone, itemTokens: self.data.itemTokens, fromLayer: self.firstLayer)
        }

        /// The states of ``key(firstLayer:itemTokens:)`` from `cache`, and whether it had to compute them.
        func states(from cache: TextStateCache) -> (states: TextStates, computed: Bool) {
            var computed = false
            let states = cache.states(for: self.key(), itemTokens: self.data.itemTokens) {
                computed = true
                return self.compute()
            }
            return (states, computed)
        }
    }

    /// Every number the states hold, as bits.
    struct Bits: Equatable {
        var keys: [[UInt32]]
        var values: [[UInt32]]
        var meanStates: [UInt32]
        var meanState: [UInt32]
        var tokens: [[Int]]
        var layers: Range<Int>
        var starts: [Int]
        var lengths: [Int]

        init(_ states: TextStates) {
            self.keys = states.table.keys.map { $0.scalars.map(\.bitPattern) }
            self.values = states.table.values.map { $0.scalars.map(\.bitPattern) }
            self.meanStates = states.table.meanStates.scalars.map(\.bitPattern)
            self.meanState = states.meanState.map(\.bitPattern)
            self.tokens = states.tokens
            self.layers = states.table.layers
            self.starts = states.table.starts
            self.lengths = states.table.lengths
        }
    }

    /// Every user's full ranking (items and score bits) by a perturbed model on `text`.
    func rankings(_ fixture: Fixture, text: TextStates) -> [[ScoredItem]] {
        let model = MixRecModel(config: fixture.config, backbone: fixture.backbone, text: text)
        TinyMixRec.perturb(model, seed: 7)
        let histories = fixture.data.split.sequences.map { $0.map(Int.init) }
        return model.recommend(
            histories: histories, k: fixture.data.itemCount, excluding: histories.map { _ in [] })
    }

    @Test func storedStatesLoadBitIdenticalAndRankAlike() throws {
        let folder = try ScratchFolder()
        let fixture = try Fixture()
        let fresh = fixture.compute()
        let log = LogLines()
        let stored = fixture.states(from: TextStateCache(directory: folder.path, log: log.append))
        #expect(stored.computed)
        #expect(log.all.contains { $0.hasPrefix("text states: none in \(folder.path) ") && $0.contains("BLAS") })
        let path = TextStateCache(directory: folder.path).path(of: fixture.key())
        #expect(log.all.contains { $0.hasPrefix("text states: stored in \(path) in ") })
        // A new cache on the same folder: another process.
        let loaded = fixture.states(from: TextStateCache(directory: folder.path, log: log.append))
        #expect(!loaded.computed)
        #expect(log.all.contains { $0.hasPrefix("text states: loaded from \(path) in ") })
        #expect(Bits(loaded.states) == Bits(fresh))
        let ranked = self.rankings(fixture, text: loaded.states)
        let expected = self.rankings(fixture, text: fresh)
        #expect(ranked.map { $0.map(\.item) } == expected.map { $0.map(\.item) })
        #expect(ranked.map { $0.map(\.score.bitPattern) } == expected.map { $0.map(\.score.bitPattern) })
    }

    @Test func whatTheStatesDependOnIsInTheKey() throws {
        let fixture = try Fixture()
        let base = fixture.key()
        #expect(fixture.key(firstLayer: fixture.firstLayer + 1) != base)
        var tokens = fixture.data.itemTokens
        tokens[3][0] += 1
        #expect(fixture.key(itemTokens: tokens) != base)
        #expect(fixture.key(itemTokens: Array(tokens.dropLast())) != base)
        let otherWeights = LlamaModel.random(configuration: fixture.backbone.configuration, seed: 12)
        #expect(
            TextStateKey(backbone: otherWeights, itemTokens: fixture.data.itemTokens, firstLayer: fixture.firstLayer)
                != base)
        let shallower = fixture.backbone.bottomBlocks(2)
        #expect(TextStateKey(backbone: shallower, itemTokens: fixture.data.itemTokens, firstLayer: 1) != base)
        #expect(Set([base, fixture.key(firstLayer: 2)].map(\.name)).count == 2)
    }

    @Test func anotherKeyDoesNotLoadTheFile() throws {
        let folder = try ScratchFolder()
        let fixture = try Fixture()
        let cache = TextStateCache(directory: folder.path)
        _ = fixture.states(from: cache)
        var computed = false
        let deeper = fixture.key(firstLayer: fixture.firstLayer + 1)
        let states = cache.states(for: deeper, itemTokens: fixture.data.itemTokens) {
            computed = true
            return TextStates.compute(
                backbone: fixture.backbone, itemTokens: fixture.data.itemTokens, fromLayer: fixture.firstLayer + 1)
        }
        #expect(computed)
        #expect(states.table.layers == (fixture.firstLayer + 1)..<3)
        #expect(FileManager.default.fileExists(atPath: cache.path(of: fixture.key())))
    }

    /// Stores the states, damages the file with `damage`, and checks that the next process reports `reason`,
    /// deletes the file, computes fresh states and stores them whole again.
    func expectRecovery(
        from damage: (_ path: String, _ fixture: Fixture) throws -> Void, reason: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let folder = try ScratchFolder()
        let fixture = try Fixture()
        _ = fixture.states(from: TextStateCache(directory: folder.path))
        let path = TextStateCache(directory: folder.path).path(of: fixture.key())
        try damage(path, fixture)
        let log = LogLines()
        let recovered = fixture.states(from: TextStateCache(directory: folder.path, log: log.append))
        #expect(recovered.computed, sourceLocation: sourceLocation)
        #expect(
            log.all.contains { $0.hasPrefix("text states: \(path) is unusable (") && $0.contains(reason) },
            "\(log.all)", sourceLocation: sourceLocation)
        #expect(
            log.all.contains { $0.contains("); deleted, computing them again") }, sourceLocation: sourceLocation)
        #expect(Bits(recovered.states) == Bits(fixture.compute()), sourceLocation: sourceLocation)
        let reloaded = fixture.states(from: TextStateCache(directory: folder.path))
        #expect(!reloaded.computed, sourceLocation: sourceLocation)
    }

    static func edit(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aFlippedByteIsDetected() throws {
        try self.expectRecovery(
            from: { path, _ in try Self.edit(path) { $0[$0.count - 100] ^= 0x10 } }, reason: "is corrupted: checksum")
    }

    @Test func aTruncatedFileIsDetected() throws {
        try self.expectRecovery(
            from: { path, _ in try Self.edit(path) { $0.removeLast($0.count / 2) } }, reason: "is truncated")
    }

    @Test func extraBytesAreDetected() throws {
        try self.expectRecovery(
            from: { path, _ in try Self.edit(path) { $0.insert(contentsOf: [1, 2, 3, 4], at: $0.count - 8) } },
            reason: "4 unexpected bytes before its checksum")
    }

    @Test func garbageIsDetected() throws {
        try self.expectRecovery(
            from: { path, _ in
                var generator = SystemRandomNumberGenerator()
                let garbage = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try Data(garbage).write(to: URL(fileURLWithPath: path))
            }, reason: "not a text state file")
    }

    @Test func aFileOfAnotherKeyIsDetected() throws {
        // Another key's file under this key's name: what colliding names would leave.
        try self.expectRecovery(
            from: { path, fixture in
                let deeper = fixture.key(firstLayer: fixture.firstLayer + 1)
                try TextStates.compute(
                    backbone: fixture.backbone, itemTokens: fixture.data.itemTokens, fromLayer: fixture.firstLayer + 1
                ).write(to: path, key: deeper)
            }, reason: "written for another key")
    }

    @Test func aFileOfAnotherShapeIsDetected() throws {
        // States of fewer items filed under this key: the key matches, the shape does not.
        try self.expectRecovery(
            from: { path, fixture in
                let fewer = Array(fixture.data.itemTokens.dropLast())
                try TextStates.compute(backbone: fixture.backbone, itemTokens: fewer, fromLayer: fixture.firstLayer)
                    .write(to: path, key: fixture.key())
            }, reason: "holds states of shape")
    }
}
