import RecData
import Tensor

/// How a run's ``ScoreCalibration`` was chosen (`metrics.json`, `calibration`).
public struct CalibrationFit: Sendable, Codable, Equatable {
    /// The calibration chosen.
    public var calibration: ScoreCalibration
    /// Validation NDCG@10 over every case (warm and cold) without calibration.
    public var validBefore: Double
    /// Validation NDCG@10 over every case with the chosen calibration (selected on it, so optimistic).
    public var validAfter: Double
    /// The candidates ranked.
    public var candidates: Int
    /// The same fit for the collaborative model's scores alone: the baseline given the same text terms (nil
    /// without a collaborative part in the ranking).
    public var collaborative: ScoreCalibration?

    enum CodingKeys: String, CodingKey {
        case calibration, candidates, collaborative
        case validBefore = "valid_before"
        case validAfter = "valid_after"
    }
}

extension MixRecTrainer {
    /// Fits the model's ``MixRecModel/calibration`` on validation (`eval.calibrate`): ranks every validation case of
    /// the group under each candidate of ``ScoreCalibration/candidates(hasUnseenItems:)`` and keeps the one with the
    /// best NDCG@10 over all cases, the simplest on ties. The model's own scores are computed once per batch. The
    /// collaborative scores alone get the same fit (``MixRecModel/collaborativeCalibration``), so the run reports
    /// the ID model with the same text terms beside the joint model.
    /// - Parameter progress: called with the cases done after every batch of this rank's share.
    func fitCalibration(progress: ((EvaluationProgress) -> Void)?) throws -> CalibrationFit {
        let model = self.model
        model.calibration = .none
        model.collaborativeCalibration = nil
        let exclude = model.config.evaluation.excludeHistory
        let candidates = ScoreCalibration.candidates(hasUnseenItems: model.unseenItems != nil)
        let hasCollaborative = model.scoreSources.contains(.collaborative)
        let bases = hasCollaborative ? ["joint", "collaborative"] : ["joint"]
        let cases = self.data.split.evaluationCases(
            users: self.role.shard.users(of: self.data.split.userCount), stage: .validation)
        let scorer = model.historyScorer(encodesItems: !cases.isEmpty)
        let local = rankCases(
            cases, itemCount: model.itemCount,
            sources: bases.flatMap { base in candidates.map { "\(base): \($0)" } }, excludeHistory: [exclude],
            groups: self.groups, batchSize: min(model.config.evaluation.batchUsers, Self.calibrationBatch),
            progress: progress.map { report in
                { report(EvaluationProgress(stage: .validation, done: $0, total: cases.count)) }
            }
        ) { batch in
            let histories = batch.map { $0.input(maxLength: model.config.collaborativeHistory).map { Int($0) } }
            let parts = scorer(histories)
            let lastItemText = model.lastItemTextScores(histories)
            let scores = [parts.uncalibrated] + (hasCollaborative ? [parts.collaborative ?? parts.joint] : [])
            return scores.flatMap { base in
                ScoreCalibration.apply(candidates, to: base, lastItemText: lastItemText, unseen: model.unseenItems)
            }
        }
        let report = try self.summedOverGroup(local)
        /// Validation NDCG@10 over warm and cold cases of each candidate on `base`.
        func values(_ base: String) -> [Double] {
            candidates.map { candidate in
                var all = RankingMetrics()
                for group in [CaseGroups.names[0], CaseGroups.names[CaseGroups.names.count - 1]] {
                    let source = "\(base): \(candidate)"
                    if let metrics = report.metrics(source: source, excludeHistory: exclude, group: group) {
                        all.merge(metrics)
                    }
                }
                return all.ndcg(at: 10)
            }
        }
        func best(_ values: [Double]) -> Int {
            var best = 0
            for index in values.indices where values[index] > values[best] { best = index }
            return best
        }
        let joint = values("joint")
        let chosen = best(joint)
        model.calibration = candidates[chosen]
        model.collaborativeCalibration = hasCollaborative ? candidates[best(values("collaborative"))] : nil
        return CalibrationFit(
            calibration: candidates[chosen], validBefore: joint[0], validAfter: joint[chosen],
            candidates: candidates.count, collaborative: model.collaborativeCalibration)
    }

    /// Cases per batch of the fit: every candidate's `[B, I]` scores are held at once.
    static var calibrationBatch: Int { 32 }
}
