import Foundation
import RecData
import Tensor
import Testing

@testable import MixRec

/// A run's accounting: the collaborative model and the LLM side alone, per popularity, cold targets and their
/// baselines.
@Suite struct RunAccountingTests {
    static let frozenWarmStart = [
        "train.cf_pretrain.epochs=3", "train.cf_pretrain.lr=0.02", "train.cf_pretrain.batch_users=6",
        "train.cf_lr_scale=0", "train.epochs=2",
    ]

    /// With the gate at 0 the joint ranking is the collaborative one; after training with a frozen collaborative
    /// model, its part of the joint pass ranks exactly as the warm start's report says, and the LLM side's does not.
    @Test func theCollaborativePartIsTheWarmStartAndTheGateMixesInTheLLMSide() throws {
        let fresh = try TinyMixRec.trainer(Self.frozenWarmStart)
        let before = try fresh.evaluate(.test, excludeHistory: [true])
        #expect(
            before.values(source: "joint", excludeHistory: true, group: "warm")
                == before.values(source: "collaborative", excludeHistory: true, group: "warm"))
        let trainer = try TinyMixRec.trainer(Self.frozenWarmStart)
        let result = try trainer.train()
        let accounting = try #require(result.accounting)
        let after = try trainer.evaluate(.test, excludeHistory: [true])
        var collaborative = try #require(accounting.collaborative?["test"])
        #expect(collaborative.removeValue(forKey: "cases") == Double(trainer.data.split.userCount))
        #expect(after.values(source: "collaborative", excludeHistory: true, group: "warm") == collaborative)
        #expect(accounting.llm?["test"]?["ndcg@10"] != nil && accounting.llm?["valid"] != nil)
        let gate = try #require(accounting.gate)
        #expect(Float(gate) == trainer.model.linkGate?.item)
        #expect(result.test == after.headline(excludeHistory: true))
    }

    /// The start of joint training (the warm-started collaborative ranking) is epoch 0: an epoch that does not beat
    /// it on validation is not kept, and restoring the best then gives the start's parameters back.
    @Test func theStartOfJointTrainingIsKeptUnlessAnEpochBeatsIt() {
        let parameter = Tensor([1, 2], shape: [2])
        var progress = TrainingProgress()
        progress.recordStart(validation: 0.5, parameters: [parameter])
        parameter.copyValues(from: Tensor([7, 7], shape: [2]))
        progress.recordEpoch(validation: 0.4, parameters: [parameter])
        #expect(progress.bestEpoch == 0 && progress.badEpochs == 1 && progress.epoch == 1)
        progress.restoreBest(into: [parameter])
        #expect(parameter.scalars == [1, 2])
        progress.recordEpoch(validation: 0.6, parameters: [parameter])
        #expect(progress.bestEpoch == 2 && progress.badEpochs == 0)
    }

    /// Whichever way a run goes, it never ends below its own collaborative model on validation: either a joint
    /// epoch beat the warm start, or the result is the warm start's ranking.
    @Test func aRunNeverEndsBelowItsCollaborativeModelOnValidation() throws {
        for lr in ["0.01", "0.2"] {
            let trainer = try TinyMixRec.trainer(Self.frozenWarmStart + ["train.lr=\(lr)"])
            let result = try trainer.train()
            let accounting = try #require(result.accounting)
            var start = try #require(accounting.collaborative?["valid"])
            start["cases"] = nil
            if result.bestEpoch == 0 {
                #expect(result.validation == start, "lr \(lr)")
                var test = try #require(accounting.collaborative?["test"])
                test["cases"] = nil
                #expect(result.test == test, "lr \(lr)")
            } else {
                #expect((result.validation["ndcg@10"] ?? 0) > (start["ndcg@10"] ?? 1), "lr \(lr)")
            }
        }
    }

    @Test func headAndTailTargetsPartitionTheWarmCases() throws {
        let trainer = try TinyMixRec.trainer(["train.epochs=1"])
        let accounting = try #require(try trainer.train().accounting)
        for stage in [accounting.popularity.valid, accounting.popularity.test] {
            for source in ["joint", "collaborative", "llm"] {
                let head = stage[source]?["head"]?["cases"] ?? 0
                let tail = stage[source]?["tail"]?["cases"] ?? 0
                #expect(head > 0 && tail > 0 && head + tail == Double(trainer.data.split.userCount), "\(source)")
            }
        }
        #expect(accounting.popularity.headItems == 0.2 && accounting.cold == nil)
    }

    /// A resumed run restores the warm start's and the best epoch's reports from its checkpoint (the collaborative
    /// model trains jointly here, so a report recomputed at the end would differ).
    @Test func aResumedRunKeepsTheAccountingOfAnUninterruptedOne() throws {
        let overrides = ["train.cf_pretrain.epochs=2", "train.cf_lr_scale=1", "train.epochs=2", "train.patience=5"]
        let whole = try TinyMixRec.trainer(overrides).train()
        let interrupted = try TinyMixRec.trainer(overrides)
        let stoppedAt = try TinyMixRec.checkpointAfterOneEpoch(interrupted)
        let resumed = try TinyMixRec.trainer(overrides)
        try resumed.restore(stoppedAt)
        #expect(resumed.progress.warmStart == interrupted.progress.warmStart && resumed.progress.warmStart != nil)
        #expect(resumed.progress.bestValidation == interrupted.progress.bestValidation)
        let result = try resumed.train()
        #expect(result.accounting == whole.accounting)
        // Not vacuous: a joint epoch moves the collaborative model away from its warm start, so a report recomputed
        // after it would differ. (Parameters are compared, after the first epoch: the run keeps the warm start when
        // no epoch beats it on the fixture's 12 validation cases.)
        let warmStarted = try TinyMixRec.trainer(overrides)
        let collaborative = try #require(warmStarted.model.collaborative)
        _ = try warmStarted.warmStart(collaborative, isCancelled: { false }, onEpoch: { _ in })
        let probe = try TinyMixRec.trainer(overrides)
        var afterOneEpoch: [Float] = []
        _ = try probe.train(onEpoch: { _ in
            afterOneEpoch = probe.model.collaborative?.itemEmbeddings.scalars ?? []
            return .stop
        })
        #expect(!afterOneEpoch.isEmpty && afterOneEpoch != collaborative.itemEmbeddings.scalars)
    }

    @Test func coldTargetsAreRankedWithTheirBaselines() throws {
        let trainer = try TinyMixRec.trainer(["eval.cold_items=0.2", "train.epochs=1", "train.cf_pretrain.epochs=1"])
        let cold = try #require(try trainer.train().accounting?.cold)
        #expect(cold.items == 0.2)
        // A cold item has no ID embedding: it is its projected text alone, as a new item would be.
        let embeddings = try #require(trainer.model.collaborative).itemEmbeddings.scalars
        let width = embeddings.count / trainer.model.itemCount
        for item in trainer.data.split.unavailableItems {
            #expect(embeddings[(item * width)..<((item + 1) * width)].allSatisfy { $0 == 0 })
        }
        let cases = try #require(cold.test?["cases"])
        #expect(cases > 0 && cold.valid?["cases"] ?? 0 > 0)
        #expect(cold.textKNN?["test"]?["cases"] == cases && cold.popularity?["test"]?["cases"] == cases)
        #expect(cold.collaborative?["test"]?["cases"] == cases && cold.llm?["test"]?["cases"] == cases)
    }

    /// Cold items are unknown to training: every softmax leaves them out, so their ID embeddings, item
    /// projection rows and biases take no gradient, and they are nobody's hard negative.
    @Test func coldItemsTakeNoGradientAndAreNoHardNegatives() throws {
        let trainer = try TinyMixRec.trainer(["eval.cold_items=0.2", "train.cf_lr_scale=1", "losses.cf=1"])
        let cold = try #require(trainer.data.split.coldItems).items.map { Int($0) }
        #expect(!cold.isEmpty)
        #expect(!trainer.data.hardNegatives.joined().contains { cold.contains(Int($0)) })
        trainer.batchLoss(path: .spanReuse).total.backward()
        for name in ["collaborative.item_embeddings", "item_projection", "item_bias"] {
            let parameter = try #require(trainer.model.parameters.byName[name])
            let gradient = try #require(parameter.grad, "\(name) has a gradient").scalars
            let width = parameter.count / trainer.model.itemCount
            let rows = { (items: [Int]) in items.flatMap { gradient[($0 * width)..<(($0 + 1) * width)] } }
            #expect(rows(cold).allSatisfy { $0 == 0 }, "\(name): a cold item took gradient")
            let warm = (0..<trainer.model.itemCount).filter { !cold.contains($0) }
            #expect(rows(warm).contains { $0 != 0 }, "\(name): warm items do learn")
        }
        trainer.zeroGradients()
    }

    /// Hand-computed ranks: text neighbours score by the mean history vector, popularity by training counts with
    /// pessimistic ties, both without the history.
    @Test func referenceRankersOnAFixture() {
        let vectors = Tensor([1, 0, 0, 1, 0.6, 0.8, -1, 0], shape: [4, 2])
        let rankers = ReferenceRankers(trainingSequences: [[1, 1, 0]], textVectors: vectors)
        let cases = [
            EvaluationCase(user: 0, history: [0], target: 2), EvaluationCase(user: 1, history: [3, 1], target: 0),
        ]
        let groups = CaseGroups(
            popularity: PopularityBuckets(trainingSequences: [[1, 1, 0]], itemCount: 4), coldItems: nil)
        let report = rankers.rank(cases, excludeHistory: [true], groups: groups, batchSize: 1)
        func ranks(_ source: String) -> [Int] {
            let metrics = report.metrics(source: source, excludeHistory: true, group: "warm")
            return (0..<4).map { metrics?.rankCounts[$0] ?? 0 }
        }
        // Text: case 1 mean (1, 0) ranks item 2 (0.6) above 1 (0) and 3 (−1); case 2 mean (−0.5, 0.5) scores item 0
        // −0.5 and item 2 0.1: rank 1.
        #expect(ranks("text_knn") == [1, 1, 0, 0])
        // Popularity: log1p of counts (1: 2, 0: 1, 2 and 3: 0); item 2 ties with 3 and trails 1: rank 2. Item 0 is
        // first once 3 and 1 leave the ranking.
        #expect(ranks("popularity") == [1, 0, 1, 0])
    }
}
