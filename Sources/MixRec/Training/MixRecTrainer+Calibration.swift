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
    /// Which rule chose ``calibration`` (nil in files of older code, which always took the best over all cases).
    public var rule: ScoreCalibration.Rule?
    /// `eval.unseen_warm_allowance` when ``rule`` is ``ScoreCalibration/Rule/warmAllowance``.
    public var warmAllowance: Double?
    /// The candidate the best-over-all-cases rule would have kept, when another rule chose.
    public var allCases: ScoreCalibration?
    /// Validation NDCG@10 on warm and cold cases: without calibration (``beforeKey``), with the best over all cases
    /// (``allCasesKey``) and with ``calibration`` (``afterKey``).
    public var validGroups: [String: Groups]?

    /// Validation NDCG@10 of one calibration on warm cases and on cold cases (nil without `eval.cold_items`).
    public struct Groups: Sendable, Codable, Equatable {
        public var warm: Double
        public var cold: Double?
    }

    public static let beforeKey = "before"
    public static let allCasesKey = "all_cases"
    public static let afterKey = "after"

    enum CodingKeys: String, CodingKey {
        case calibration, candidates, collaborative, rule
        case validBefore = "valid_before"
        case validAfter = "valid_after"
        case warmAllowance = "warm_allowance"
        case allCases = "all_cases"
        case validGroups = "valid_groups"
    }
}

extension MixRecTrainer {
    /// Fits the model's ``MixRecModel/calibration`` on validation (`eval.calibrate`): ranks every validation case of
    /// the group under each candidate of ``ScoreCalibration/candidates(hasUnseenItems:)`` and keeps the one with the
    /// best NDCG@10 over all cases, the simplest on ties, or with `eval.unseen_warm_allowance` and cold cases the best
    /// on cold cases within the warm allowance (``ScoreCalibration/choose(_:warmAllowance:)``). The model's own
    /// scores are computed once per batch and every candidate ranked from them (``CalibrationRanker``). The
    /// collaborative scores alone get the same fit (``MixRecModel/collaborativeCalibration``), so the run reports the
    /// ID model with the same text terms beside the joint model.
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
        var ranker = CalibrationRanker(
            candidates: candidates, itemCount: model.itemCount, excludeHistory: exclude, unseen: model.unseenItems)
        let local = rankCaseBatches(
            cases, sources: bases.flatMap { base in candidates.map { "\(base): \($0)" } }, excludeHistory: [exclude],
            groups: self.groups, batchSize: model.config.evaluation.batchUsers,
            progress: progress.map { report in
                { report(EvaluationProgress(stage: .validation, done: $0, total: cases.count)) }
            }
        ) { batch, add in
            let histories = batch.map { $0.input(maxLength: model.config.collaborativeHistory).map { Int($0) } }
            let parts = scorer(histories)
            let scores = [parts.uncalibrated] + (hasCollaborative ? [parts.collaborative ?? parts.joint] : [])
            let match = model.lastItemTextScores(histories)
            for (base, matrix) in scores.enumerated() {
                ranker.rank(batch, scores: matrix, lastItemText: match) { offset, ranks in
                    for (candidate, rank) in ranks.enumerated() {
                        add(offset, base * candidates.count + candidate, 0, rank)
                    }
                }
            }
        }
        let report = try self.summedOverGroup(local)
        /// Validation NDCG@10 over all, warm and cold cases of each candidate on `base`.
        func values(_ base: String) -> [ScoreCalibration.Validation] {
            candidates.map { candidate in
                let source = "\(base): \(candidate)"
                return ScoreCalibration.Validation(
                    warm: report.metrics(source: source, excludeHistory: exclude, group: CaseGroups.names[0]),
                    cold: report.metrics(
                        source: source, excludeHistory: exclude, group: CaseGroups.names[CaseGroups.names.count - 1]))
            }
        }
        let allowance = model.config.evaluation.unseenWarmAllowance
        let joint = values("joint")
        let (chosen, rule) = ScoreCalibration.choose(joint, warmAllowance: allowance)
        let allCases = ScoreCalibration.choose(joint, warmAllowance: 0).index
        model.calibration = candidates[chosen]
        model.collaborativeCalibration =
            hasCollaborative
            ? candidates[ScoreCalibration.choose(values("collaborative"), warmAllowance: allowance).index] : nil
        func groups(_ index: Int) -> CalibrationFit.Groups {
            CalibrationFit.Groups(warm: joint[index].warm, cold: joint[index].cold)
        }
        return CalibrationFit(
            calibration: candidates[chosen], validBefore: joint[0].all, validAfter: joint[chosen].all,
            candidates: candidates.count, collaborative: model.collaborativeCalibration, rule: rule,
            warmAllowance: rule == .warmAllowance ? allowance : nil,
            allCases: rule == .warmAllowance ? candidates[allCases] : nil,
            validGroups: [
                CalibrationFit.beforeKey: groups(0), CalibrationFit.allCasesKey: groups(allCases),
                CalibrationFit.afterKey: groups(chosen),
            ])
    }
}
