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

    enum CodingKeys: String, CodingKey {
        case calibration, candidates
        case validBefore = "valid_before"
        case validAfter = "valid_after"
    }
}

extension MixRecTrainer {
    /// Fits the model's ``MixRecModel/calibration`` on validation (`eval.calibrate`): ranks every validation case of
    /// the group under each candidate of ``ScoreCalibration/candidates(hasUnseenItems:)`` and keeps the one with the
    /// best NDCG@10 over all cases, the simplest on ties. The model's own scores are computed once per batch.
    /// - Parameter progress: called with the cases done after every batch of this rank's share.
    func fitCalibration(progress: ((EvaluationProgress) -> Void)?) throws -> CalibrationFit {
        let model = self.model
        model.calibration = .none
        let exclude = model.config.evaluation.excludeHistory
        let candidates = ScoreCalibration.candidates(hasUnseenItems: model.unseenItems != nil)
        let cases = self.data.split.evaluationCases(
            users: self.role.shard.users(of: self.data.split.userCount), stage: .validation)
        let scorer = model.historyScorer(encodesItems: !cases.isEmpty)
        let local = rankCases(
            cases, itemCount: model.itemCount, sources: candidates.map(\.description), excludeHistory: [exclude],
            groups: self.groups, batchSize: min(model.config.evaluation.batchUsers, Self.calibrationBatch),
            progress: progress.map { report in
                { report(EvaluationProgress(stage: .validation, done: $0, total: cases.count)) }
            }
        ) { batch in
            let parts = scorer(batch.map { $0.input(maxLength: model.config.collaborativeHistory).map { Int($0) } })
            guard let lastItemText = parts.lastItemText else { preconditionFailure("ranking scores carry the text") }
            return candidates.map {
                $0.apply(to: parts.uncalibrated, lastItemText: lastItemText, unseen: model.unseenItems)
            }
        }
        let report = try self.summedOverGroup(local)
        let values = candidates.map { candidate in
            var all = RankingMetrics()
            for group in [CaseGroups.names[0], CaseGroups.names[CaseGroups.names.count - 1]] {
                if let metrics = report.metrics(source: candidate.description, excludeHistory: exclude, group: group) {
                    all.merge(metrics)
                }
            }
            return all.ndcg(at: 10)
        }
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        model.calibration = candidates[best]
        return CalibrationFit(
            calibration: candidates[best], validBefore: values[0], validAfter: values[best],
            candidates: candidates.count)
    }

    /// Cases per batch of the fit: every candidate's `[B, I]` scores are held at once.
    static var calibrationBatch: Int { 64 }
}
