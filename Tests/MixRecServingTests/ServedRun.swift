import Foundation
import HTTPServing
import MixRec
import MixRecServing
import RecData
import Tensor
import TestKit

/// A tiny trained run on the synthetic dataset (SmolLM2 cut to 2 blocks, parameters moved off their start), loaded
/// as `mixrec serve` loads it, with what `mixrec recommend --users all` ranks for it; shared by the tests, each of
/// which starts its own server on it.
struct ServedRun: Sendable {
    /// Results per test.
    static let k = 5
    /// A history of items given by id, ranked as `{"history": …}`.
    static let historyIndices = [3, 11, 7]

    let dataset: SequentialDataset
    /// Ranks every request live (no known users' cache).
    let service: RecommendationService
    /// Every user's top ``k``, as `mixrec recommend --users all` writes them.
    let expected: [UserRecommendations]
    /// The top ``k`` after ``historyIndices``, by the batch ranking.
    let expectedForHistory: [RecommendedItem]
    /// The run's config and saved parameters, for ``freshModel()``.
    private let config: MixRecConfig
    private let parameters: [UInt8]

    /// The run, loaded once for the whole suite.
    static let shared = Result { try ServedRun() }

    /// Something the fixture needs is not there.
    struct Missing: Error {
        var what: String
    }

    private init() throws {
        guard let model = SharedData.smolLMPath else { throw Missing(what: "the SmolLM2 model in ../shared/models") }
        let scratch = try ScratchFolder()
        let directory = RunDirectory(scratch.url.appendingPathComponent("run").path)
        try directory.create()
        try """
        seed: 5
        data: {format: synthetic, synthetic: {users: 30, items: 24, seed: 5}, max_history: 6, item_tokens: 6}
        backbone: {model: \(model), layers: 2}
        model:
          collaborative: {width: 8}
          experts: {groups: {top: {from: 1, to: 1, types: [lora], experts: 2, rank: 2, top_k: 1}}}
        train: {epochs: 1, batch_users: 8, lr: 0.002}
        eval: {batch_users: 7}
        """.write(to: directory.configFile, atomically: true, encoding: .utf8)
        let workspace = MixRecWorkspace()
        guard let config = try directory.savedConfig() else { throw Missing(what: "the config just written") }
        let (fresh, _) = try workspace.model(for: config)
        for (index, parameter) in fresh.parameters.tensors.enumerated() {
            parameter.withUnsafeMutableBufferPointer { values in
                for element in values.indices { values[element] += 0.05 * sin(Float(element * 7 + index)) }
            }
        }
        self.parameters = ParameterFile.encode(fresh.parameters.byName)
        self.config = config
        try directory.write(self.parameters, to: directory.modelFile)

        let run = try TrainedRun(folder: directory.url.path, overrides: [], workspace: workspace)
        let dataset = run.data.dataset
        self.dataset = dataset
        self.expected = UserRecommendations.rank(
            Array(dataset.userIDs.indices), of: dataset, model: run.model, k: Self.k)
        let history = Self.historyIndices
        self.expectedForHistory = run.model.recommend(histories: [history], k: Self.k, excluding: [Set(history)])[0]
            .map {
                RecommendedItem(item: dataset.itemIDs[$0.item], score: $0.score, title: dataset.itemTexts[$0.item])
            }
        self.service = RecommendationService(model: run.model, dataset: dataset, userCache: nil)
    }

    /// Another model with the run's parameters (its own backbone), for a service or ranker of a test's own.
    func freshModel() throws -> MixRecModel {
        let (model, _) = try MixRecWorkspace().model(for: self.config)
        try model.loadParameters(self.parameters)
        return model
    }
}
