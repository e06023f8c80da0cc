import ArgumentParser
import Foundation
import MixRec
import RecData
import Tensor

/// `mixrec-bench blend --calibration-allowances A,…`: `eval.calibrate`'s fit re-run on a finished cold-item run under
/// several `eval.unseen_warm_allowance` values at the cost of one validation and one test pass.
///
/// Every candidate of ``ScoreCalibration/candidates(hasUnseenItems:)`` is ranked on validation and on test, warm
/// and cold cases apart, from the run's uncalibrated joint scores (``CalibrationRanker``, as the fit ranks them). Each allowance
/// then chooses with ``ScoreCalibration/choose(_:warmAllowance:)`` on validation alone, as `mixrec train` and
/// `mixrec evaluate --set eval.calibrate=true` would, and the choice's test figures are printed beside it; the whole
/// table follows (the test columns of rows the rule did not choose are a frontier read off test, not a claim).
extension ScoreBlendBench {
    func fitCalibrations(_ run: TrainedRun, allowances: [Double]) throws {
        guard let coldItems = run.data.split.coldItems, let unseen = run.model.unseenItems else {
            throw ValidationError("--calibration-allowances: the run has no cold items (eval.cold_items is 0)")
        }
        let model = run.model
        let candidates = ScoreCalibration.candidates(hasUnseenItems: true)
        let scorer = model.historyScorer()
        let maximumLength = run.config.collaborativeHistory
        let excludeHistory = run.config.evaluation.excludeHistory
        let batchSize = run.config.evaluation.batchUsers
        var table: [String: [ScoreCalibration.Validation]] = [:]
        for stage in [EvaluationStage.validation, .test] {
            var cases = run.data.split.evaluationCases(users: 0..<Int32(run.data.split.userCount), stage: stage)
            if self.cases > 0 { cases = Array(cases.prefix(self.cases)) }
            let started = Date()
            var ranker = CalibrationRanker(
                candidates: candidates, itemCount: run.data.itemCount, excludeHistory: excludeHistory, unseen: unseen)
            var warm = candidates.map { _ in RankingMetrics() }
            var cold = warm
            for start in stride(from: 0, to: cases.count, by: batchSize) {
                let batch = Array(cases[start..<min(start + batchSize, cases.count)])
                let inputs = batch.map { $0.input(maxLength: maximumLength).map { Int($0) } }
                ranker.rank(
                    batch, scores: scorer(inputs).uncalibrated, lastItemText: model.lastItemTextScores(inputs)
                ) { offset, ranks in
                    let isCold = coldItems.contains(batch[offset].target)
                    for (candidate, rank) in ranks.enumerated() {
                        if isCold { cold[candidate].add(rank: rank) } else { warm[candidate].add(rank: rank) }
                    }
                }
            }
            print(String(format: "%@: %d cases in %.0f s", "\(stage)", cases.count, -started.timeIntervalSinceNow))
            table["\(stage)"] = zip(warm, cold).map { ScoreCalibration.Validation(warm: $0, cold: $1) }
        }
        let validation = table["\(EvaluationStage.validation)"] ?? []
        let test = table["\(EvaluationStage.test)"] ?? []
        func figures(_ value: ScoreCalibration.Validation) -> String {
            String(format: "%.4f | %.4f | %.4f", value.all, value.warm, value.cold ?? 0)
        }
        print("allowance | rule | calibration chosen on validation | valid all | warm | cold | test all | warm | cold")
        for allowance in allowances {
            let (index, rule) = ScoreCalibration.choose(validation, warmAllowance: allowance)
            print(
                "\(allowance) | \(rule.rawValue) | \(candidates[index]) | \(figures(validation[index])) | "
                    + figures(test[index]))
        }
        print("candidate | valid all | warm | cold | test all | warm | cold")
        for (index, candidate) in candidates.enumerated() {
            print("\(candidate) | \(figures(validation[index])) | \(figures(test[index]))")
        }
    }
}
