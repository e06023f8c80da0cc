import RecData

/// A run's validation and test reports.
struct StageReports: Equatable {
    var validation: RankingReport
    var test: RankingReport
}

extension RankingReport {
    /// The joint model's metrics on warm targets under a protocol: the run's headline numbers (as Float values, so
    /// a restored run compares exactly as the original did).
    func headline(excludeHistory: Bool) -> [String: Double] {
        self.values(source: ScoreSource.joint.rawValue, excludeHistory: excludeHistory, group: CaseGroups.names[0])
            ?? [:]
    }

    /// The metrics of a cell (nil when the report has no such cell or no case in it).
    func values(source: String, excludeHistory: Bool, group: String) -> [String: Double]? {
        guard let metrics = self.metrics(source: source, excludeHistory: excludeHistory, group: group),
            metrics.count > 0
        else { return nil }
        return metrics.values.mapValues { Double(Float($0)) }
    }

    /// ``values(source:excludeHistory:group:)`` with the number of cases under `cases`.
    func valuesWithCount(source: String, excludeHistory: Bool, group: String) -> [String: Double]? {
        self.values(source: source, excludeHistory: excludeHistory, group: group).map { values in
            values.merging(
                [
                    "cases": Double(
                        self.metrics(source: source, excludeHistory: excludeHistory, group: group)?.count ?? 0)
                ]
            ) { $1 }
        }
    }
}

/// Where a run's ranking comes from (`metrics.json` beside the headline metrics; docs/RESULTS.md): the same run's
/// collaborative model alone, the LLM side alone, the gate between them, metrics per target popularity and, with
/// `eval.cold_items`, on targets no training sequence holds. Metrics are under the evaluation's main protocol;
/// `valid` and `test` name the stages, `joint`, `collaborative` and `llm` the score sources.
public struct RunAccounting: Sendable, Codable, Equatable {
    /// The collaborative model alone after its warm start, before joint training (`mixrec evaluate`: the
    /// collaborative part of the saved model), on warm targets: `valid`, `test`.
    public var collaborative: [String: [String: Double]]?
    /// The LLM side's scores alone at the best epoch, on warm targets: `valid`, `test`.
    public var llm: [String: [String: Double]]?
    /// The learnt weight of the LLM side's scores beside the collaborative ones (logit-level injection).
    public var gate: Double?
    /// The text-match term alone at the best epoch, on warm targets: `valid`, `test` (`model.text_match`).
    public var text: [String: [String: Double]]?
    /// The learnt weight of the text-match term (`model.text_match`).
    public var textGate: Double?
    /// The text terms fitted on validation after training (`eval.calibrate`); the joint model's test metrics
    /// include them, its validation metrics (those of the best epoch) do not.
    public var calibration: CalibrationFit?
    /// The joint model without ``calibration`` on warm targets: `test` (and `valid` from `mixrec evaluate`).
    public var uncalibrated: [String: [String: Double]]?
    /// The collaborative scores with their own fitted text terms (``CalibrationFit/collaborative``) on warm
    /// targets: `test` (and `valid` from `mixrec evaluate`). Unlike ``collaborative`` these are the joint model's
    /// collaborative part at the best epoch, the warm start itself when `train.cf_lr_scale` is 0.
    public var calibratedCollaborative: [String: [String: Double]]?

    enum CodingKeys: String, CodingKey {
        case collaborative, llm, gate, text, popularity, cold, calibration, uncalibrated
        case calibratedCollaborative = "calibrated_collaborative"
        case textGate = "text_gate"
    }
    /// Stage → source → `head` / `tail` → metrics with `cases`, and `head_items`, the head's share of items.
    public var popularity: PopularityMetrics
    /// Metrics on cold targets (nil without `eval.cold_items`).
    public var cold: ColdMetrics?

    /// Metrics per target popularity.
    public struct PopularityMetrics: Sendable, Codable, Equatable {
        public var headItems: Double
        public var valid: [String: [String: [String: Double]]]
        public var test: [String: [String: [String: Double]]]

        enum CodingKeys: String, CodingKey {
            case valid, test
            case headItems = "head_items"
        }
    }

    /// Metrics on targets held out of training: the joint model (`valid`, `test`), its parts, and the baselines
    /// computed in the same run.
    public struct ColdMetrics: Sendable, Codable, Equatable {
        /// The fraction of items held out.
        public var items: Double
        public var valid: [String: Double]?
        public var test: [String: Double]?
        /// `valid`, `test` of the collaborative model alone (as ``RunAccounting/collaborative``).
        public var collaborative: [String: [String: Double]]?
        /// `valid`, `test` of the LLM side alone.
        public var llm: [String: [String: Double]]?
        /// `valid`, `test` of the text-match term alone.
        public var text: [String: [String: Double]]?
        /// `test` (and `valid` from `mixrec evaluate`) of the joint model without its calibration.
        public var uncalibrated: [String: [String: Double]]?
        /// The same of the collaborative scores with their own fitted text terms.
        public var calibratedCollaborative: [String: [String: Double]]?
        /// `test` of the popularity ranking (training counts).
        public var popularity: [String: [String: Double]]?
        /// `test` of the text nearest-neighbour ranking.
        public var textKNN: [String: [String: Double]]?

        enum CodingKeys: String, CodingKey {
            case items, valid, test, collaborative, llm, text, popularity, uncalibrated
            case calibratedCollaborative = "calibrated_collaborative"
            case textKNN = "text_knn"
        }
    }

    /// Builds the accounting from a run's reports.
    /// - Parameters:
    ///   - joint: the model's own pass (sources ``ScoreSource``) at the best epoch.
    ///   - warmStart: the collaborative model alone after its warm start; nil takes the `collaborative` source of
    ///     `joint`.
    ///   - references: the baselines' test report (sources ``ReferenceRankers/Source``), with cold items.
    ///   - gate: the link gate's value.
    ///   - textGate: the text-match term's weight.
    ///   - calibration: the fitted calibration, if any.
    ///   - excludeHistory: the main protocol.
    ///   - headItems: `eval.head_items`.
    ///   - coldItems: the fraction of cold items, if any.
    init(
        joint: StageReports, warmStart: StageReports?, references: RankingReport?, gate: Double?,
        textGate: Double? = nil, calibration: CalibrationFit? = nil, excludeHistory: Bool, headItems: Double,
        coldItems: Double?
    ) {
        let collaborativeReports = warmStart ?? joint
        func stages(
            _ reports: StageReports, _ source: ScoreSource, group: String
        ) -> [String: [String: Double]]? {
            var result: [String: [String: Double]] = [:]
            result["valid"] = reports.validation.valuesWithCount(
                source: source.rawValue, excludeHistory: excludeHistory, group: group)
            result["test"] = reports.test.valuesWithCount(
                source: source.rawValue, excludeHistory: excludeHistory, group: group)
            return result.isEmpty ? nil : result
        }
        let warm = CaseGroups.names[0]
        let cold = CaseGroups.names[CaseGroups.names.count - 1]
        self.collaborative = stages(collaborativeReports, .collaborative, group: warm)
        self.llm = stages(joint, .llm, group: warm)
        self.gate = gate
        self.text = stages(joint, .text, group: warm)
        self.textGate = textGate
        self.calibration = calibration
        self.uncalibrated = stages(joint, .uncalibrated, group: warm)
        self.calibratedCollaborative = stages(joint, .calibratedCollaborative, group: warm)
        func buckets(_ stage: KeyPath<StageReports, RankingReport>) -> [String: [String: [String: Double]]] {
            var result: [String: [String: [String: Double]]] = [:]
            for source in ScoreSource.allCases {
                let report = source == .collaborative ? collaborativeReports[keyPath: stage] : joint[keyPath: stage]
                var perBucket: [String: [String: Double]] = [:]
                for bucket in PopularityBuckets.names {
                    perBucket[bucket] = report.valuesWithCount(
                        source: source.rawValue, excludeHistory: excludeHistory, group: bucket)
                }
                if !perBucket.isEmpty { result[source.rawValue] = perBucket }
            }
            return result
        }
        self.popularity = PopularityMetrics(
            headItems: headItems, valid: buckets(\.validation), test: buckets(\.test))
        self.cold = coldItems.map { fraction in
            let references = references.map { report in
                { (source: ReferenceRankers.Source) in
                    report.valuesWithCount(source: source.rawValue, excludeHistory: excludeHistory, group: cold)
                        .map { ["test": $0] }
                }
            }
            return ColdMetrics(
                items: fraction,
                valid: joint.validation.valuesWithCount(
                    source: ScoreSource.joint.rawValue, excludeHistory: excludeHistory, group: cold),
                test: joint.test.valuesWithCount(
                    source: ScoreSource.joint.rawValue, excludeHistory: excludeHistory, group: cold),
                collaborative: stages(collaborativeReports, .collaborative, group: cold),
                llm: stages(joint, .llm, group: cold), text: stages(joint, .text, group: cold),
                uncalibrated: stages(joint, .uncalibrated, group: cold),
                calibratedCollaborative: stages(joint, .calibratedCollaborative, group: cold),
                popularity: references?(.popularity) ?? nil,
                textKNN: references?(.textNeighbours) ?? nil)
        }
    }
}
