import Foundation
import Synchronization
import Tensor
import TestKit
import Testing

@testable import MixRec

/// The warm-start cache: a run that takes a cached warm start (from memory, from disk after a restart) trains
/// exactly as one that computes it; other inputs miss; damaged files are reported, deleted and computed again.
@Suite struct WarmStartCacheTests {
    /// A warm start that draws dropout masks and ID dropout and reads the items' text features.
    static let overrides = [
        "train.cf_pretrain.epochs=3", "train.cf_pretrain.lr=0.02", "train.cf_pretrain.batch_users=6",
        "model.collaborative.dropout=0.1", "model.collaborative.item_text=true", "model.collaborative.id_dropout=0.2",
        "train.cf_lr_scale=0",
    ]

    /// The lines a cache logs.
    final class LogLines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { self.lines.withLock { $0 } }
        func append(_ line: String) { self.lines.withLock { $0.append(line) } }
    }

    /// A fresh trainer of the tiny model with `overrides` (after ``overrides``) on `cache`.
    func trainer(_ overrides: [String] = [], cache: WarmStartCache?) throws -> MixRecTrainer {
        let config = try TinyMixRec.config(Self.overrides + overrides)
        let data = try TinyMixRec.data(config)
        return MixRecTrainer(model: TinyMixRec.model(config, data: data), data: data, warmStarts: cache)
    }

    /// What a run ends with: every parameter's bits, the result without its wall-clock seconds, and the checkpoint
    /// (AdamW's moments and every joint epoch's validation metrics, which differ if joint training went otherwise
    /// even when the start stays the best epoch).
    struct Outcome: Equatable {
        var parameters: [[UInt32]]
        var result: TrainingResult
        var checkpoint: [UInt8]
        /// Epochs of the warm start the run reported (0 when it took a cached one).
        var warmStartEpochs: Int
    }

    func train(_ trainer: MixRecTrainer) throws -> Outcome {
        var warmStartEpochs = 0
        var result = try trainer.train(onCollaborativeEpoch: { _ in warmStartEpochs += 1 })
        result.seconds = 0
        return Outcome(
            parameters: trainer.model.parameters.tensors.map { $0.scalars.map(\.bitPattern) }, result: result,
            checkpoint: trainer.checkpoint(), warmStartEpochs: warmStartEpochs)
    }

    func key(_ overrides: [String] = []) throws -> WarmStartKey {
        let trainer = try self.trainer(overrides, cache: nil)
        return WarmStartKey(model: trainer.model, data: trainer.data)
    }

    @Test func aCachedWarmStartTrainsExactlyAsAComputedOne() throws {
        let folder = try ScratchFolder()
        let computed = try self.train(self.trainer(cache: nil))
        #expect(computed.warmStartEpochs > 0)
        let cache = WarmStartCache(directory: folder.path)
        let storing = try self.train(self.trainer(cache: cache))
        #expect(storing == computed)
        let fromMemory = try self.train(self.trainer(cache: cache))
        #expect(fromMemory.warmStartEpochs == 0)
        #expect(fromMemory.parameters == computed.parameters)
        #expect(fromMemory.result == computed.result && fromMemory.checkpoint == computed.checkpoint)
        // A new cache on the same folder: a restarted worker.
        let log = LogLines()
        let fromDisk = try self.train(self.trainer(cache: WarmStartCache(directory: folder.path, log: log.append)))
        #expect(fromDisk.warmStartEpochs == 0)
        #expect(fromDisk.parameters == computed.parameters)
        #expect(fromDisk.result == computed.result && fromDisk.checkpoint == computed.checkpoint)
        #expect(log.all.contains { $0.contains("reused from \(folder.path)") })
    }

    @Test func reuseOffComputesTheWarmStart() throws {
        let cache = WarmStartCache()
        let computed = try self.train(self.trainer(cache: cache))
        let again = try self.train(self.trainer(["train.cf_pretrain.reuse=false"], cache: cache))
        #expect(again == computed)
    }

    @Test func whatTheWarmStartReadsIsInItsKey() throws {
        let base = try self.key()
        for overrides in [
            ["seed=4"], ["model.collaborative.width=12"], ["model.collaborative.dropout=0.2"],
            ["model.collaborative.max_history=8"], ["train.cf_pretrain.lr=0.01"], ["train.exclude_history=false"],
            ["eval.head_items=0.3"], ["data.synthetic.seed=6"], ["eval.cold_items=0.2"], ["model.text_vector=align"],
        ] {
            #expect(try self.key(overrides) != base, "\(overrides)")
        }
        // Joint training's switches leave the warm start alone: runs that differ only there share it.
        for overrides in [
            ["model.collaborative.inject_scores=false"], ["train.lr=0.02"], ["train.cf_pretrain.reuse=false"],
            ["model.collaborative.max_history=6"], ["model.experts.groups.top.from=2"],
        ] {
            #expect(try self.key(overrides) == base, "\(overrides)")
        }
        // The `[ALIGN]` text vector is read where the task tokens enter: the first adapted layer changes it.
        let align = try self.key(["model.text_vector=align"])
        #expect(try self.key(["model.text_vector=align", "model.experts.groups.top.from=2"]) != align)
    }

    @Test func anotherSeedMissesTheCache() throws {
        let cache = WarmStartCache()
        _ = try self.train(self.trainer(cache: cache))
        let otherSeed = try self.train(self.trainer(["seed=4"], cache: cache))
        #expect(otherSeed.warmStartEpochs > 0)
        #expect(otherSeed == (try self.train(self.trainer(["seed=4"], cache: nil))))
    }

    @Test func aDamagedFileIsReportedDeletedAndComputedAgain() throws {
        let folder = try ScratchFolder()
        let computed = try self.train(self.trainer(cache: WarmStartCache(directory: folder.path)))
        let path = try #require(WarmStartCache(directory: folder.path).path(of: self.key()))
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let log = LogLines()
        let recomputed = try self.train(self.trainer(cache: WarmStartCache(directory: folder.path, log: log.append)))
        #expect(log.all.contains { $0.contains("is unusable (corrupted parameter file") })
        #expect(recomputed == computed)
        // The file was written again, whole: the next worker reads it.
        let fromDisk = try self.train(self.trainer(cache: WarmStartCache(directory: folder.path)))
        #expect(fromDisk.warmStartEpochs == 0)
        #expect(fromDisk.parameters == computed.parameters && fromDisk.result == computed.result)
        #expect(fromDisk.checkpoint == computed.checkpoint)
    }

    @Test func aFileThatDoesNotFitTheModelIsReportedAndDeleted() throws {
        let folder = try ScratchFolder()
        let log = LogLines()
        let cache = WarmStartCache(directory: folder.path, log: log.append)
        let key = try self.key()
        // A warm start of a wider collaborative model, filed under this model's key.
        let wider = try self.trainer(["model.collaborative.width=12"], cache: nil)
        let collaborative = try #require(wider.model.collaborative)
        let reports = try wider.warmStart(collaborative, isCancelled: { false }, onEpoch: { _ in })
        try Data(WarmStart(model: collaborative, reports: reports).encode(key: key))
            .write(to: URL(fileURLWithPath: try #require(cache.path(of: key))))
        let trainer = try self.trainer(cache: nil)
        let model = try #require(trainer.model.collaborative)
        let before = model.parameters.tensors.map(\.scalars)
        #expect(cache.restore(key, into: model, excludeHistory: true) == nil)
        #expect(model.parameters.tensors.map(\.scalars) == before)
        #expect(log.all.contains { $0.contains("has shape") && $0.contains("deleted") })
        #expect(!FileManager.default.fileExists(atPath: try #require(cache.path(of: key))))
    }
}
