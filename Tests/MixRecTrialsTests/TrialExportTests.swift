import Cluster
import ConfigKit
import Foundation
import MixRec
import MixRecTrials
import RecData
import Search
import Tensor
import TestKit
import Testing

/// `mixrec export`: a study's trial as a run folder that loads like a `mixrec train` run.
@Suite struct TrialExportTests {
    @Test func bestPicksTheBestCompleteTrialAndExportsItsBestEpoch() throws {
        let fixture = try ExportStudyFixture()
        let best = ["w": Tensor([3, 4], shape: [2])]
        try fixture.storeCheckpoint(trial: 1, best: best, last: ["w": Tensor([1, 2], shape: [2])])
        try fixture.storeCheckpoint(trial: 2, best: ["w": Tensor([5, 6], shape: [2])], last: [:])
        let out = try ScratchFolder()
        let directory = RunDirectory(out.url.appendingPathComponent("best").path)
        let store = try StudyStore.openReadOnly(directory: fixture.directory.url)
        let export = try TrialExport.export(from: store, choice: .best, to: directory)
        #expect(export.trial == 1)
        #expect(export.state == .complete)
        #expect(export.epoch == 1)
        #expect(export.checkpointEpochs == 2)
        #expect(export.params == ExportStudyFixture.params(0.004, 3))
        let model = try ParameterFile.decode(try #require(try directory.read(directory.modelFile)))
        #expect(model.keys.sorted() == ["w"])
        #expect(model["w"]?.scalars == [3, 4])
        let saved = try #require(try directory.savedConfig())
        #expect(saved.document.canonicalText == (try fixture.expectedConfig(trial: 1)).document.canonicalText)
        // Any trial by id, here one that is not the best.
        let second = try TrialExport.export(from: store, choice: .id(2), to: directory)
        #expect(second.trial == 2)
        #expect(
            try ParameterFile.decode(try #require(try directory.read(directory.modelFile)))["w"]?.scalars == [5, 6])
        #expect(throws: TrialExportError.noSuchTrial(9)) {
            try TrialExport.export(from: store, choice: .id(9), to: directory)
        }
    }

    @Test func aTrialWithoutACheckpointFailsWithTheCommandThatRetrainsIt() throws {
        let fixture = try ExportStudyFixture()
        let out = try ScratchFolder()
        let directory = RunDirectory(out.url.appendingPathComponent("four").path)
        let store = try StudyStore.openReadOnly(directory: fixture.directory.url)
        let retrain = "mixrec train --config \(directory.configFile.path) --out \(directory.url.path)"
        #expect(
            throws: TrialExportError.noCheckpoint(trial: 4, configFile: directory.configFile.path, retrain: retrain)
        ) { try TrialExport.export(from: store, choice: .id(4), to: directory) }
        #expect("\(TrialExportError.noCheckpoint(trial: 4, configFile: "c", retrain: retrain))".contains(retrain))
        // The command trains the trial's own config.
        let saved = try #require(try directory.savedConfig())
        #expect(saved.document.canonicalText == (try fixture.expectedConfig(trial: 4)).document.canonicalText)
        #expect(try directory.read(directory.modelFile) == nil)
        #expect(throws: TrialExportError.noCompleteTrial(objective: "valid/ndcg@10")) {
            let empty = try ScratchFolder()
            let emptyStore = try StudyStore(directory: empty.url)
            try emptyStore.saveStudy(try #require(try store.study()))
            _ = try TrialExport.export(from: emptyStore, choice: .best, to: directory)
        }
    }

    @Test(.enabled(if: SharedData.modelAvailable, "needs the SmolLM2 model in ../shared/models"))
    func anExportedTrialLoadsAndRecommendsAsItsParametersDo() throws {
        let fixture = try ExportStudyFixture(model: SharedData.smolLMPath)
        let workspace = MixRecWorkspace()
        let (direct, data) = try workspace.model(for: try fixture.expectedConfig(trial: 1))
        let last = direct.parameters.byName.mapValues { $0.detached() }
        for (index, parameter) in direct.parameters.tensors.enumerated() {
            parameter.withUnsafeMutableBufferPointer { values in
                for element in values.indices { values[element] += 0.05 * sin(Float(element * 7 + index)) }
            }
        }
        try fixture.storeCheckpoint(trial: 1, best: direct.parameters.byName, last: last)
        let out = try ScratchFolder()
        let folder = out.url.appendingPathComponent("run").path
        let store = try StudyStore.openReadOnly(directory: fixture.directory.url)
        _ = try TrialExport.export(from: store, choice: .best, to: RunDirectory(folder))
        let run = try TrainedRun(folder: folder, overrides: [], workspace: workspace)
        let users = Array(data.dataset.userIDs.indices)
        let loaded = UserRecommendations.rank(users, of: run.data.dataset, model: run.model, k: 5)
        // Up to the last bits: tests running beside this one change OpenBLAS's process-wide thread count, which
        // may change a score's last bits and swap two near-tied items.
        #expect(Self.agree(loaded, UserRecommendations.rank(users, of: data.dataset, model: direct, k: 5)))
        // The checkpoint's last parameters rank differently, so the comparison tells them apart.
        let (lastModel, _) = try workspace.model(for: run.config)
        try lastModel.loadParameters(ParameterFile.encode(last))
        #expect(loaded != UserRecommendations.rank(users, of: data.dataset, model: lastModel, k: 5))
    }

    /// Whether two rankings name the same users with the same scores at every rank (within 1e-4): the items at a
    /// rank may differ only where two of them tie within that tolerance. The parameters the test tells apart move
    /// scores by far more (about 0.05 per parameter).
    static func agree(_ a: [UserRecommendations], _ b: [UserRecommendations]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { left, right in
                left.user == right.user && left.items.count == right.items.count
                    && zip(left.items, right.items).allSatisfy { x, y in abs(x.score - y.score) <= 1e-4 }
            }
    }
}
