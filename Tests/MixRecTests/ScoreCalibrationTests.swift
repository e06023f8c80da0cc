import Foundation
import RecData
import Tensor
import TestKit
import Testing

@testable import MixRec

/// The text terms fitted on validation after training (`eval.calibrate`).
struct ScoreCalibrationTests {
    @Test func theTermsAddTheLastItemsTextEverywhereAndTheUnseenBoostOnUnseenItemsOnly() throws {
        let scores = Tensor([1, 0, 0, 0, 0, 2], shape: [2, 3])
        let match = Tensor([0.5, 1, 0, 0, 0.2, 0.9], shape: [2, 3])
        let unseen = try #require(
            UnseenItems(
                itemCount: 3, trainingSequences: [[0, 1]], textVectors: Tensor([1, 0, 0, 1, 1, 0], shape: [3, 2])))
        let calibration = ScoreCalibration(lastItemText: 2, unseenText: 10, unseenOffset: -4)
        let result = calibration.apply(to: scores, lastItemText: match, unseen: unseen).scalars
        let expected: [Float] = [2, 2, -4, 0, 0.4, 2 + 1.8 + 5]
        #expect(zip(result, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(result)")
        #expect(ScoreCalibration.none.apply(to: scores, lastItemText: match, unseen: unseen).scalars == scores.scalars)
        // Without unseen items only the first term applies.
        let noUnseen = calibration.apply(to: scores, lastItemText: match, unseen: nil).scalars
        #expect(zip(noUnseen, [2, 2, 0, 0, 0.4, 3.8]).allSatisfy { abs($0 - $1) < 1e-5 }, "\(noUnseen)")
    }

    @Test func theCandidatesStartAtNoChangeAndDifferFromEachOther() {
        let warmOnly = ScoreCalibration.candidates(hasUnseenItems: false)
        #expect(warmOnly.first == ScoreCalibration.none)
        #expect(warmOnly.allSatisfy { $0.unseenText == 0 && $0.unseenOffset == 0 })
        let all = ScoreCalibration.candidates(hasUnseenItems: true)
        #expect(all.first == ScoreCalibration.none && all.count > warmOnly.count)
        #expect(Set(all.map(\.description)).count == all.count, "labels name the report's sources")
    }

    @Test func unseenItemsAreThoseNoTrainingSequenceHolds() {
        let vectors = Tensor([1, 0, 0, 1, 1, 0, 0, 1], shape: [4, 2])
        let unseen = UnseenItems(itemCount: 4, trainingSequences: [[0, 2], [2]], textVectors: vectors)
        #expect(unseen?.mask.shape == [1, 4] && unseen?.mask.scalars == [0, 1, 0, 1])
        #expect(UnseenItems(itemCount: 2, trainingSequences: [[1, 0]], textVectors: Tensor.zeros([2, 2])) == nil)
    }

    /// An unseen item takes the softmax-of-cosines weighted scores of its nearest trained items; trained items and
    /// other rows keep theirs.
    @Test func anUnseenItemTakesItsTextNeighboursScores() throws {
        // Items 0, 1 and 3 are trained; item 2 reads like item 0 (cosine 0.8), less like item 1 (0.6), not like 3.
        let vectors = Tensor([1, 0, 0, 0, 1, 0, 0.8, 0.6, 0, 0, 0, 1], shape: [4, 3])
        let mask = Tensor([0, 0, 1, 0], shape: [1, 4])
        let neighbours = TextNeighbourScores(textVectors: vectors, unseen: mask, count: 2)
        #expect(neighbours.neighbours.count == 1 && neighbours.neighbours[0].map(\.item) == [0, 1])
        let weight = 1 / (1 + exp(-0.2 / TextNeighbourScores.temperature))
        let scores = Tensor([4, 2, -9, 7, 0, 10, 3, 1], shape: [2, 4])
        expectClose(
            neighbours.apply(to: scores).scalars,
            [4, 2, 4 * weight + 2 * (1 - weight), 7, 0, 10, 10 * (1 - weight), 1],
            tolerance: 1e-5)
        // In the calibration: all three trained items are neighbours (fewer than `neighbourCount` exist), then the
        // offset.
        let unseen = try #require(UnseenItems(itemCount: 4, trainingSequences: [[0, 1, 3]], textVectors: vectors))
        let calibration = ScoreCalibration(lastItemText: 0, unseenText: 0, unseenOffset: -1, unseenNeighbours: true)
        let calibrated = calibration.apply(to: scores, lastItemText: Tensor.zeros([2, 4]), unseen: unseen).scalars
        let raw = [0.8, 0.6, 0].map { exp(($0 - 0.8) / TextNeighbourScores.temperature) }
        let weights = raw.map { $0 / raw.reduce(0, +) }
        let expected = [[4, 2, 7], [0, 10, 1]].map { row in zip(weights, row).map { $0 * $1 }.reduce(0, +) - 1 }
        expectClose([calibrated[2], calibrated[6]], expected, tolerance: 1e-5)
        expectClose([calibrated[0], calibrated[3], calibrated[5]], [4, 7, 10])
    }

    @Test func aModelFileKeepsItsCalibrationAndOlderFilesLoadWithout() throws {
        let trainer = try TinyMixRec.trainer()
        let plain = trainer.modelParameters()
        let calibration = ScoreCalibration(lastItemText: 0.5, unseenText: 32, unseenOffset: -20)
        trainer.model.calibration = calibration
        let calibrated = trainer.modelParameters()
        let other = try TinyMixRec.trainer()
        try other.model.loadParameters(calibrated)
        #expect(other.model.calibration == calibration)
        try other.model.loadParameters(plain)
        #expect(other.model.calibration.isNone)
        var entries = try ParameterFile.decode(plain)
        entries[MixRecModel.calibrationEntry] = Tensor.zeros([2])
        #expect(throws: TrainingError.self) { try other.model.loadParameters(ParameterFile.encode(entries)) }
        // Session 13's files hold `[3]`: read without neighbours.
        entries[MixRecModel.calibrationEntry] = Tensor([1, 64, -40], shape: [3])
        try other.model.loadParameters(ParameterFile.encode(entries))
        #expect(other.model.calibration == ScoreCalibration(lastItemText: 1, unseenText: 64, unseenOffset: -40))
        let neighbours = ScoreCalibration(lastItemText: 1, unseenText: 16, unseenOffset: -12, unseenNeighbours: true)
        trainer.model.calibration = neighbours
        try other.model.loadParameters(trainer.modelParameters())
        #expect(other.model.calibration == neighbours)
    }

    /// The fit keeps the candidate with the best validation NDCG@10 over warm and cold cases, and test is ranked
    /// with it.
    @Test func theFitKeepsTheBestValidationCandidateAndTestUsesIt() throws {
        let trainer = try TinyMixRec.trainer([
            "eval.cold_items=0.2", "eval.calibrate=true", "train.epochs=1", "train.cf_pretrain.epochs=1",
        ])
        #expect(trainer.model.unseenItems != nil, "cold items are unseen in training")
        let result = try trainer.train()
        let fit = try #require(result.accounting?.calibration)
        #expect(fit.calibration == trainer.model.calibration)
        #expect(fit.candidates == ScoreCalibration.candidates(hasUnseenItems: true).count)
        let collaborative = try #require(fit.collaborative, "the tiny model ranks with a collaborative part")
        /// Validation NDCG@10 over warm and cold cases of `source` with `calibration` in its place.
        func validation(_ calibration: ScoreCalibration, source: ScoreSource = .joint) throws -> Double {
            if source == .joint {
                trainer.model.calibration = calibration
            } else {
                trainer.model.collaborativeCalibration = calibration
            }
            let report = try trainer.evaluate(.validation, excludeHistory: [true])
            var all = RankingMetrics()
            for group in ["warm", "cold"] {
                if let metrics = report.metrics(source: source.rawValue, excludeHistory: true, group: group) {
                    all.merge(metrics)
                }
            }
            return all.ndcg(at: 10)
        }
        let baseline = try ScoreCalibration.candidates(hasUnseenItems: true).map {
            try validation($0, source: .calibratedCollaborative)
        }
        #expect(abs(try validation(collaborative, source: .calibratedCollaborative) - (baseline.max() ?? 0)) < 1e-9)
        #expect(result.accounting?.calibratedCollaborative?["test"] != nil)
        let values = try ScoreCalibration.candidates(hasUnseenItems: true).map { try validation($0) }
        #expect(abs(values[0] - fit.validBefore) < 1e-9)
        #expect(abs((values.max() ?? 0) - fit.validAfter) < 1e-9)
        #expect(abs(try validation(fit.calibration) - fit.validAfter) < 1e-9)
        trainer.model.calibration = fit.calibration
        let test = try trainer.evaluate(.test, excludeHistory: [true]).headline(excludeHistory: true)
        #expect(test["ndcg@10"] == result.test["ndcg@10"])
        // The accounting keeps what test was without the calibration.
        let uncalibrated = result.accounting?.uncalibrated?["test"]?["ndcg@10"]
        #expect((uncalibrated != nil) == !fit.calibration.isNone)
        if let uncalibrated {
            trainer.model.calibration = .none
            let plain = try trainer.evaluate(.test, excludeHistory: [true]).headline(excludeHistory: true)
            #expect(plain["ndcg@10"] == uncalibrated)
        }
    }

    /// `eval.unseen_warm_allowance`: among the candidates that keep warm cases within the allowance of the best
    /// all-cases candidate's, the best on cold cases; without cold cases, or at 0, the best over all cases.
    @Test func aWarmAllowanceTradesWarmCasesForColdOnesWithinItsBound() {
        typealias Validation = ScoreCalibration.Validation
        let values = [
            Validation(all: 0.0700, warm: 0.0740, cold: 0.002),  // no change
            Validation(all: 0.0712, warm: 0.0745, cold: 0.018),  // the best over all cases
            Validation(all: 0.0705, warm: 0.0715, cold: 0.030),  // −4.0 % warm
            Validation(all: 0.0704, warm: 0.0712, cold: 0.030),  // −4.4 % warm, the same cold: a later tie
            Validation(all: 0.0690, warm: 0.0700, cold: 0.060),  // −6.0 % warm
        ]
        #expect(ScoreCalibration.choose(values, warmAllowance: 0) == (1, .allCases))
        #expect(ScoreCalibration.choose(values, warmAllowance: 0.05) == (2, .warmAllowance))
        #expect(ScoreCalibration.choose(values, warmAllowance: 0.1) == (4, .warmAllowance))
        // An allowance no other candidate fits in keeps the all-cases choice (the rule still says which one ran).
        #expect(ScoreCalibration.choose(values, warmAllowance: 0.001) == (1, .warmAllowance))
        // A cold tie goes to the earlier, simpler candidate, also before the all-cases choice.
        var tied = values
        tied[0] = Validation(all: 0.0600, warm: 0.0745, cold: 0.030)
        #expect(ScoreCalibration.choose(tied, warmAllowance: 0.05) == (0, .warmAllowance))
        // Without cold cases there is nothing to trade for: the allowance changes nothing.
        let warmOnly = values.map { Validation(all: $0.all, warm: $0.warm, cold: nil) }
        for allowance in [0, 0.05, 0.1, 0.5] {
            #expect(ScoreCalibration.choose(warmOnly, warmAllowance: allowance) == (1, .allCases))
        }
    }

    /// The fit applies the rule to each candidate's validation NDCG@10 on warm and on cold cases, and reports what it
    /// traded; a run without cold items fits as it would without the allowance.
    @Test func theFitHonoursTheWarmAllowanceOnColdRunsOnly() throws {
        let allowance = 0.5
        let trainer = try TinyMixRec.trainer([
            "eval.cold_items=0.2", "eval.calibrate=true", "eval.unseen_warm_allowance=\(allowance)",
        ])
        TinyMixRec.perturb(trainer.model, seed: 4)
        let fit = try trainer.fitCalibration(progress: nil)
        let candidates = ScoreCalibration.candidates(hasUnseenItems: true)
        let values = try candidates.map { candidate in
            trainer.model.calibration = candidate
            let report = try trainer.evaluate(.validation, excludeHistory: [true])
            let warm = try #require(report.metrics(source: "joint", excludeHistory: true, group: "warm"))
            let cold = try #require(report.metrics(source: "joint", excludeHistory: true, group: "cold"))
            var all = warm
            all.merge(cold)
            return ScoreCalibration.Validation(all: all.ndcg(at: 10), warm: warm.ndcg(at: 10), cold: cold.ndcg(at: 10))
        }
        let (chosen, rule) = ScoreCalibration.choose(values, warmAllowance: allowance)
        let allCases = ScoreCalibration.choose(values, warmAllowance: 0).index
        #expect(rule == .warmAllowance && fit.rule == .warmAllowance && fit.warmAllowance == allowance)
        #expect(fit.calibration == candidates[chosen] && fit.allCases == candidates[allCases])
        #expect(chosen != allCases, "the fixture's all-cases choice is not the best on cold cases")
        let after = try #require(fit.validGroups?[CalibrationFit.afterKey])
        let best = try #require(fit.validGroups?[CalibrationFit.allCasesKey])
        #expect(abs(after.warm - values[chosen].warm) < 1e-9 && abs(best.warm - values[allCases].warm) < 1e-9)
        #expect((after.cold ?? 0) > (best.cold ?? 0), "cold cases gain")
        #expect(after.warm >= (1 - allowance) * best.warm)
        #expect(abs(fit.validAfter - values[chosen].all) < 1e-9)

        // Without cold items the same allowance keeps the all-cases choice.
        let plain = try TinyMixRec.trainer(["eval.calibrate=true"])
        let bounded = try TinyMixRec.trainer(["eval.calibrate=true", "eval.unseen_warm_allowance=\(allowance)"])
        for trainer in [plain, bounded] { TinyMixRec.perturb(trainer.model, seed: 4) }
        let plainFit = try plain.fitCalibration(progress: nil)
        let boundedFit = try bounded.fitCalibration(progress: nil)
        #expect(boundedFit == plainFit && boundedFit.rule == .allCases && boundedFit.warmAllowance == nil)
    }

    /// A calibration that moves the scores shows in the ranking and in the `uncalibrated` source beside it.
    @Test func aCalibratedModelReportsItsScoresWithoutTheCalibrationToo() throws {
        let trainer = try TinyMixRec.trainer(["eval.cold_items=0.2"])
        TinyMixRec.perturb(trainer.model, seed: 4)
        let plain = try trainer.evaluate(.test, excludeHistory: [true])
        trainer.model.calibration = ScoreCalibration(lastItemText: 4, unseenText: 64, unseenOffset: -8)
        #expect(trainer.model.scoreSources.contains(.uncalibrated))
        let calibrated = try trainer.evaluate(.test, excludeHistory: [true])
        for group in ["warm", "cold"] {
            let before = plain.metrics(source: "joint", excludeHistory: true, group: group)
            #expect(calibrated.metrics(source: "uncalibrated", excludeHistory: true, group: group) == before)
        }
        #expect(
            calibrated.metrics(source: "joint", excludeHistory: true, group: "cold")
                != plain.metrics(source: "joint", excludeHistory: true, group: "cold"))
    }
}
