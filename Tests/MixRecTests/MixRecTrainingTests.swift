import ConfigKit
import Foundation
import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// Training: gradients, determinism, resume, data-parallel equivalence and checkpoints.
@Suite struct MixRecTrainingTests {
    func trainer(_ overrides: [String] = [], role: DataParallelRole = .single, reducer: GradientReducer? = nil) throws
        -> MixRecTrainer
    {
        let config = try TinyMixRec.config(overrides)
        let data = try TinyMixRec.data(config)
        return MixRecTrainer(model: TinyMixRec.model(config, data: data), data: data, role: role, reducer: reducer)
    }

    @Test func lossGradientsMatchFiniteDifferences() throws {
        let trainer = try self.trainer(["losses.balance=0", "model.collaborative.max_history=9"])
        let model = trainer.model
        TinyMixRec.perturb(model, seed: 9, scale: 0.1)
        let names = ["tokens.seq", "tokens.cf", "cf_user.weight", "item_projection", "score_scale"]
        let expertNames = model.parameters.entries.map(\.name).filter { $0.hasPrefix("experts.layer2.") }
        TinyMixRec.checkLossGradients(
            model, data: trainer.data, names: names + expertNames.prefix(6), collaborativeHistory: 9, elements: 6)
    }

    /// With `train.exclude_history` each position's softmax leaves its earlier items out, in the link loss and in
    /// the collaborative model's own loss: both are lower on the same parameters, and the batch lists exactly the
    /// split's earlier items.
    @Test func excludingTheHistoryLeavesEarlierItemsOutOfTheTrainingSoftmax() throws {
        var parts: [Bool: [String: Double]] = [:]
        for exclude in [false, true] {
            let trainer = try self.trainer(["train.exclude_history=\(exclude)", "train.cf_lr_scale=1"])
            parts[exclude] = trainer.batchLoss(path: .spanReuse).parts
            guard exclude else { continue }
            let users = Array(trainer.data.split.trainableUsers.prefix(2))
            let batch = TrainingBatch(
                users: users, split: trainer.data.split, maximumHistory: 4, collaborativeHistory: 6,
                hardNegatives: trainer.data.hardNegatives, negativeCount: 0, excludeHistory: true,
                shard: DataParallelShard(rank: 0, worldSize: 1))
            let windows = users.map { trainer.data.split.trainingWindow(user: $0, maxLength: 4) }
            #expect(
                batch.excludedItems
                    == windows.flatMap { trainer.data.split.earlierItems(of: $0) }.map { $0.map(Int.init) })
            #expect(batch.excludedItems?.contains { !$0.isEmpty } == true)
        }
        for part in ["link", "cf"] {
            let (kept, excluded) = (parts[false]?[part] ?? 0, parts[true]?[part] ?? 0)
            #expect(excluded < kept - 1e-4, "\(part): \(excluded) with the history excluded, \(kept) with it kept")
        }
    }

    @Test func trainingLearnsAndIsDeterministic() throws {
        let first = try self.trainer()
        let untrained =
            try first.evaluate(.validation, excludeHistory: [true]).headline(excludeHistory: true)["ndcg@10"] ?? 0
        let resultA = try first.train()
        let resultB = try self.trainer().train()
        #expect(
            resultA
                == TrainingResult(
                    validation: resultB.validation, test: resultB.test, testOtherProtocol: resultB.testOtherProtocol,
                    epochs: resultB.epochs, bestEpoch: resultB.bestEpoch, seconds: resultA.seconds,
                    accounting: resultB.accounting))
        #expect(resultA.validation["ndcg@10"] ?? 0 > untrained)
    }

    /// Also chunked (`train.batch_chunks`, with dropout keyed by epoch and step): a resumed run draws the same masks.
    @Test(arguments: [[], ["train.batch_chunks=3", "model.collaborative.dropout=0.2"]])
    func resumedRunMatchesUninterruptedRun(settings: [String]) throws {
        let whole = try self.trainer(settings)
        let wholeResult = try whole.train()
        let interrupted = try self.trainer(settings)
        let stoppedAt = try TinyMixRec.checkpointAfterOneEpoch(interrupted)
        #expect(interrupted.completedEpochs == 1)
        let resumed = try self.trainer(settings)
        try resumed.restore(stoppedAt)
        #expect(resumed.completedEpochs == 1)
        let resumedResult = try resumed.train()
        #expect(resumedResult.test == wholeResult.test)
        #expect(resumedResult.validation == wholeResult.validation)
        expectClose(resumed.model.itemProjection.scalars, whole.model.itemProjection.scalars, tolerance: 0)
    }

    @Test func aRunRestoredFromItsLastEpochsCheckpointOnlyEvaluates() throws {
        let whole = try self.trainer(["train.epochs=1"])
        let wholeResult = try whole.train()
        let stoppedAt = try TinyMixRec.checkpointAfterOneEpoch(try self.trainer(["train.epochs=1"]))
        let resumed = try self.trainer(["train.epochs=1"])
        try resumed.restore(stoppedAt)
        var (steps, epochs) = (0, 0)
        let resumedResult = try resumed.train(
            onStep: { _ in steps += 1 },
            onEpoch: { _ in
                epochs += 1
                return .proceed
            })
        #expect(steps == 0 && epochs == 0, "nothing was trained")
        #expect(resumedResult.epochs == 1)
        #expect(resumedResult.test == wholeResult.test)
        #expect(resumedResult.validation == wholeResult.validation)
    }

    /// A trial pruned on the rung of its last epoch learns so when that epoch is reported: it must not then spend
    /// minutes on the test passes and the calibration fit. A plain `.stop` still ends with them.
    @Test(arguments: [false, true])
    func aRunCancelledByItsLastEpochSkipsTheFinalEvaluation(cancelled: Bool) throws {
        let trainer = try self.trainer(["train.epochs=2"])
        var (isCancelled, stages) = (false, Set<EvaluationStage>())
        let train = {
            try trainer.train(
                onEpoch: { _ in
                    isCancelled = cancelled
                    return .stop
                },
                isCancelled: { isCancelled }, onEvaluation: { stages.insert($0.stage) })
        }
        if cancelled {
            #expect(throws: TrainingError.cancelled) { _ = try train() }
            #expect(stages == [.validation], "only the epoch's validation pass ran")
        } else {
            #expect(try train().epochs == 1)
            #expect(stages.contains(.test))
        }
    }

    @Test(arguments: [0, 0.8])
    func collaborativeWarmStartImprovesTheCollaborativeModelAndResumes(average: Double) throws {
        let overrides = [
            "train.cf_pretrain.epochs=4", "train.cf_pretrain.lr=0.02", "train.cf_pretrain.batch_users=6",
            "train.cf_pretrain.average=\(average)",
        ]
        let whole = try self.trainer(overrides)
        let config = whole.model.config
        let pretraining = try #require(
            whole.model.collaborative.map {
                CollaborativePretraining(
                    model: $0, split: whole.data.split, settings: config.training.collaborativePretraining,
                    history: config.collaborativeHistory, seed: config.seed, trainingExcludesHistory: true,
                    evaluationExcludesHistory: true, evaluationBatch: 16, groups: whole.groups)
            })
        let untrained =
            pretraining.evaluate(.validation).values(source: "collaborative", excludeHistory: true, group: "warm")?[
                "ndcg@10"] ?? 0
        var epochs: [CollaborativePretrainingEpoch] = []
        let wholeResult = try whole.train(onCollaborativeEpoch: { epochs.append($0) })
        #expect(epochs.map(\.epoch) == Array(1...epochs.count) && (1...4).contains(epochs.count))
        #expect(epochs.map { $0.validation["ndcg@10"] ?? 0 }.max() ?? 0 > untrained)
        // A resumed run skips the warm start (its result is in the checkpoint) and ends where the whole run did.
        let interrupted = try self.trainer(overrides)
        let stoppedAt = try TinyMixRec.checkpointAfterOneEpoch(interrupted)
        let resumed = try self.trainer(overrides)
        try resumed.restore(stoppedAt)
        var resumedWarmStart = 0
        let resumedResult = try resumed.train(onCollaborativeEpoch: { _ in resumedWarmStart += 1 })
        #expect(resumedWarmStart == 0)
        #expect(resumedResult.test == wholeResult.test)
    }

    @Test(arguments: [(true, false), (true, true), (false, false)])
    func jointTrainingStartsFromTheCollaborativeRankingWithScoreInjection(injectScores: Bool, itemText: Bool) throws {
        let model = try self.trainer([
            "model.collaborative.inject_scores=\(injectScores)", "model.collaborative.item_text=\(itemText)",
        ]).model
        let collaborative = try #require(model.collaborative)
        #expect((model.parameters.byName["collaborative.text_projection"] != nil) == itemText)
        let history = [3, 1, 4, 1, 5]
        var generator = RandomGenerator(seed: 0)
        let states = collaborative.states([history], training: false, generator: &generator)
        let expected = states.scores(states.last([1])).scalars
        let recommended = model.recommend(history: history, k: model.itemCount, excluding: [])
        let scores = recommended.sorted { $0.item < $1.item }.map(\.score)
        if injectScores {
            expectClose(scores, expected, tolerance: 1e-5)
        } else {
            #expect(zip(scores, expected).map { abs($0 - $1) }.max() ?? 0 > 1e-2)
        }
    }

    @Test func zeroCollaborativeRateScaleFreezesOnlyTheCollaborativeModel() throws {
        let trainer = try self.trainer(["train.cf_lr_scale=0", "train.epochs=1"])
        let before = trainer.model.parameters.entries.map { ($0.name, $0.tensor.scalars) }
        var lossNames: Set<String> = []
        _ = try trainer.train(onStep: { lossNames.formUnion($0.losses.keys) })
        #expect(lossNames.contains("link") && !lossNames.contains("cf"), "a frozen model's own loss is skipped")
        let after = trainer.model.parameters.byName
        let changed = Set(before.filter { after[$0.0]?.scalars != $0.1 }.map(\.0))
        #expect(!changed.isEmpty && changed.allSatisfy { !$0.hasPrefix("collaborative.") })
        #expect(changed.contains("cf_user.weight"), "the injection layers still train")
        let frozen = try #require(trainer.model.collaborative).parameters.tensors
        #expect(frozen.allSatisfy { !$0.requiresGrad }, "no graph into it")
        trainer.batchLoss(path: .spanReuse).total.backward()
        #expect(frozen.allSatisfy { $0.grad == nil }, "a backward pass leaves it without gradients")
        #expect(after["cf_user.weight"]?.grad != nil, "while the injection layers get theirs")
        trainer.zeroGradients()
    }

    @Test func aTrainerAroundASavedModelEvaluatesItAsTrainingDid() throws {
        let trainer = try self.trainer(["train.epochs=2"])
        let result = try trainer.train()
        let saved = try ParameterFile.decode(trainer.modelParameters())
        let config = trainer.model.config
        let model = TinyMixRec.model(config, data: trainer.data)
        for (name, parameter) in model.parameters.entries { parameter.copyValues(from: try #require(saved[name])) }
        let evaluator = MixRecTrainer(model: model, data: trainer.data)
        #expect(model.parameters.byName["item_bias"]?.scalars == saved["item_bias"]?.scalars, "trained bias kept")
        let test = try evaluator.evaluate(.test, excludeHistory: [true, false])
        #expect(test.headline(excludeHistory: true) == result.test)
        #expect(test.headline(excludeHistory: false) == result.testOtherProtocol)
    }

    @Test func evaluationPassesReportTheirProgress() throws {
        let trainer = try self.trainer(["train.epochs=2", "eval.batch_users=3"])
        var reports: [EvaluationProgress] = []
        _ = try trainer.train(onEvaluation: { reports.append($0) })
        let users = trainer.data.split.userCount
        let passes = reports.split { $0.done == $0.total }.map(Array.init)
        #expect(reports.filter { $0.done == $0.total }.map(\.stage) == [.validation, .validation, .test])
        #expect(reports.allSatisfy { $0.total == users })
        #expect(users > 3 && passes.count == 3, "two validation passes and a test pass, each of several batches")
        for pass in passes { #expect(pass.map(\.done) == Array(stride(from: 3, to: users, by: 3))) }
    }

    @Test func collaborativeHistoryShorterThanTheWindowIsRefused() {
        #expect(throws: ConfigError.self) { try TinyMixRec.config(["model.collaborative.max_history=4"]) }
    }

    @Test func damagedCheckpointIsRejected() throws {
        let trainer = try self.trainer()
        var bytes = trainer.checkpoint()
        bytes[bytes.count / 2] ^= 0xFF
        #expect(throws: TrainingError.self) { try trainer.restore(bytes) }
        let other = try self.trainer(["model.collaborative.enabled=false"])
        #expect(throws: TrainingError.self) { try other.restore(trainer.checkpoint()) }
    }

    @Test func savedParametersGiveIdenticalScores() throws {
        let trainer = try self.trainer(["train.epochs=1"])
        _ = try trainer.train()
        let saved = try ParameterFile.decode(trainer.modelParameters())
        let fresh = try self.trainer(["train.epochs=1"])
        for (name, parameter) in fresh.model.parameters.entries {
            parameter.copyValues(from: try #require(saved[name]))
        }
        let history = [3, 5, 1]
        let a = trainer.model.recommend(history: history, k: 5, excluding: [])
        let b = fresh.model.recommend(history: history, k: 5, excluding: [])
        #expect(a.map(\.item) == b.map(\.item))
        expectClose(a.map(\.score), b.map(\.score), tolerance: 0)
    }

    @Test func twoRanksGradientsSumToTheWholeBatchGradient() throws {
        let trainer = try self.trainer(["losses.balance=0", "model.collaborative.max_history=9"])
        let model = trainer.model
        TinyMixRec.perturb(model, seed: 21, scale: 0.1)
        let users = Array(trainer.data.split.trainableUsers.prefix(7))
        func gradients(rank: Int, worldSize: Int) -> [[Float]] {
            let batch = TrainingBatch(
                users: users, split: trainer.data.split, maximumHistory: 6, collaborativeHistory: 9,
                hardNegatives: trainer.data.hardNegatives, negativeCount: 3,
                shard: DataParallelShard(rank: rank, worldSize: worldSize))
            var generator = RandomGenerator(seed: 2)
            model.loss(batch, hardNegatives: trainer.data.hardNegatives, batchParts: worldSize, generator: &generator)
                .total.backward()
            defer { model.parameters.tensors.forEach { $0.zeroGrad() } }
            return model.parameters.tensors.map { $0.materializedGradient().scalars }
        }
        let whole = gradients(rank: 0, worldSize: 1)
        let parts = (0..<2).map { gradients(rank: $0, worldSize: 2) }
        for (index, expected) in whole.enumerated() {
            let summed = zip(parts[0][index], parts[1][index]).map { $0 + $1 }
            expectClose(summed, expected, tolerance: 1e-5)
        }
        #expect(whole.contains { $0.contains { abs($0) > 1e-3 } })
    }

    @Test func twoRankGroupTrainsLikeOneProcess() throws {
        let settings = ["train.epochs=1", "losses.balance=0"]
        let single = try self.trainer(settings)
        let singleResult = try single.train()
        let reducer = ThreadReducer(ranks: 2)
        let ranks = UncheckedBox(
            try (0..<2).map {
                try self.trainer(settings, role: DataParallelRole(rank: $0, worldSize: 2), reducer: reducer)
            })
        let results = ConcurrentResults(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { rank in
            results.set(rank, Result { try ranks.value[rank].train() })
        }
        for result in results.values {
            // Adam's normalisation amplifies float summation-order differences of near-zero gradients into
            // O(lr) parameter differences, so only the metrics are compared with the single process here; the
            // exact check of the group's gradients is the test above.
            let metrics = try #require(result).get()
            #expect(metrics.epochs == singleResult.epochs)
            #expect(abs((metrics.test["ndcg@10"] ?? 0) - (singleResult.test["ndcg@10"] ?? 0)) < 0.02)
        }
        // The replicas stay identical.
        for (name, _) in single.model.parameters.entries {
            expectClose(
                ranks.value[1].model.parameters.byName[name]?.scalars ?? [],
                ranks.value[0].model.parameters.byName[name]?.scalars ?? [], tolerance: 0)
        }
    }
}

/// An in-process all-reduce for tests: every rank's contribution is summed once all have arrived.
final class ThreadReducer: GradientReducer, @unchecked Sendable {
    private let condition = NSCondition()
    private let ranks: Int
    private var sum: [Float] = []
    private var arrived = 0
    private var departed = 0
    private var generation = 0

    init(ranks: Int) {
        self.ranks = ranks
    }

    func allReduceSum(_ values: inout [Float]) throws {
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.departed > 0 { self.condition.wait() }
        if self.arrived == 0 { self.sum = [Float](repeating: 0, count: values.count) }
        for index in values.indices { self.sum[index] += values[index] }
        self.arrived += 1
        let generation = self.generation
        if self.arrived == self.ranks {
            self.generation += 1
            self.condition.broadcast()
        } else {
            while self.generation == generation { self.condition.wait() }
        }
        values = self.sum
        self.departed += 1
        if self.departed == self.ranks {
            (self.arrived, self.departed) = (0, 0)
            self.condition.broadcast()
        }
    }

    /// Through the Float sum: exact for counts below 2²⁴, far above these tests' counts.
    func allReduceSum(_ counts: inout [Int64]) throws {
        var values = counts.map { Float($0) }
        try self.allReduceSum(&values)
        counts = values.map { Int64($0) }
    }
}

/// Results written by concurrent iterations.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<TrainingResult, Error>?]

    init(count: Int) {
        self.storage = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ value: Result<TrainingResult, Error>) {
        self.lock.lock()
        self.storage[index] = value
        self.lock.unlock()
    }

    var values: [Result<TrainingResult, Error>?] {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.storage
    }
}

/// Hands objects that are only used from one thread each to concurrent iterations.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
