import Foundation
import Synchronization
import TestKit
import Testing

@testable import MixRec

/// A study's shared warm start handed between a trainer and a cluster worker: the file a run hands over is the one
/// a standalone run stores, a run that receives it trains exactly as one that computes it, and a received file that
/// is damaged or was written for other inputs is not used.
@Suite struct WarmStartHandOverTests {
    let runs = WarmStartCacheTests()

    /// The files a hand-over's `onReady` received.
    final class HandedFiles: Sendable {
        private let files = Mutex<[[UInt8]]>([])
        var all: [[UInt8]] { self.files.withLock { $0 } }
        func append(_ file: [UInt8]) { self.files.withLock { $0.append(file) } }
    }

    /// A trainer on a memory-only cache (a fresh worker) whose hand-over receives `received` and hands its own
    /// warm start to `handed`.
    func trainer(
        _ overrides: [String] = [], received: [UInt8]?, handed: HandedFiles, log: WarmStartCacheTests.LogLines
    ) throws -> MixRecTrainer {
        let trainer = try self.runs.trainer(overrides, cache: WarmStartCache(log: log.append))
        trainer.warmStartHandOver = WarmStartHandOver(received: received, onReady: handed.append)
        return trainer
    }

    /// The file a standalone run (`mixrec train --warm-starts DIR`) stores for the base config with `overrides`.
    func standaloneFile(_ overrides: [String] = []) throws -> [UInt8] {
        let folder = try ScratchFolder()
        let cache = WarmStartCache(directory: folder.path)
        _ = try self.runs.train(self.runs.trainer(overrides, cache: cache))
        let path = try #require(cache.path(of: self.runs.key(overrides)))
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func theHandedOverWarmStartIsByteIdenticalToAStandaloneRunsFile() throws {
        let standalone = try self.standaloneFile()
        let handed = HandedFiles()
        let computed = try self.runs.train(self.trainer(received: nil, handed: handed, log: .init()))
        #expect(computed.warmStartEpochs > 0)
        #expect(handed.all == [standalone])
    }

    @Test func aRunThatReceivesTheWarmStartTrainsExactlyAsOneThatComputesIt() throws {
        let computed = try self.runs.train(self.runs.trainer(cache: nil))
        let handed = HandedFiles()
        let log = WarmStartCacheTests.LogLines()
        let file = try self.standaloneFile()
        let receiving = try self.runs.train(self.trainer(received: file, handed: handed, log: log))
        #expect(receiving.warmStartEpochs == 0, "the received warm start is used, not computed")
        #expect(receiving.parameters == computed.parameters)
        #expect(receiving.result == computed.result && receiving.checkpoint == computed.checkpoint)
        #expect(handed.all.isEmpty, "a received warm start is not handed back")
        #expect(log.all.contains { $0.contains("received (\(file.count) bytes)") })
    }

    @Test func aReceivedFileOfOtherInputsIsNotUsed() throws {
        let computed = try self.runs.train(self.runs.trainer(cache: nil))
        let handed = HandedFiles()
        let log = WarmStartCacheTests.LogLines()
        // Another seed's warm start (as from a coordinator that named it wrongly): its key differs.
        let other = try self.standaloneFile(["seed=4"])
        let run = try self.runs.train(self.trainer(received: other, handed: handed, log: log))
        #expect(run.warmStartEpochs > 0)
        #expect(run == computed)
        #expect(log.all.contains { $0.contains("the one received is not used (it was written for another key)") })
        #expect(handed.all == [try self.standaloneFile()], "the run's own warm start is handed over")
    }

    @Test func aDamagedReceivedFileIsNotUsed() throws {
        let computed = try self.runs.train(self.runs.trainer(cache: nil))
        var file = try self.standaloneFile()
        file[file.count / 2] ^= 0x10
        let log = WarmStartCacheTests.LogLines()
        let run = try self.runs.train(self.trainer(received: file, handed: HandedFiles(), log: log))
        #expect(run.warmStartEpochs > 0)
        #expect(run == computed)
        #expect(log.all.contains { $0.contains("the one received is not used (corrupted parameter file") })
    }

    @Test func theStudyNameFollowsTheConfigInputs() throws {
        func name(_ overrides: [String]) throws -> String? {
            WarmStartKey.studyName(of: try TinyMixRec.config(WarmStartCacheTests.overrides + overrides))
        }
        let base = try name([])
        #expect(base?.count == 16)
        #expect(try name(["train.lr=0.02"]) == base, "joint training does not change it")
        #expect(try name(["seed=4"]) != base)
        #expect(try name(["train.cf_pretrain.lr=0.01"]) != base)
        #expect(try name(["model.collaborative.enabled=false"]) == nil)
    }
}
