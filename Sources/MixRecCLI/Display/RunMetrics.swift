import Foundation
import MixRec

/// The `metrics.json` of a finished run: the headline metrics and the run's accounting (``RunAccounting``).
struct RunMetrics: Codable {
    var valid: [String: Double]
    var test: [String: Double]
    /// Test metrics under the other history protocol (see `eval.exclude_history`).
    var testOtherProtocol: [String: Double]
    var excludeHistory: Bool
    var epochs: Int
    var bestEpoch: Int
    var seconds: Double
    var collaborative: [String: [String: Double]]?
    var llm: [String: [String: Double]]?
    var gate: Double?
    var text: [String: [String: Double]]?
    var textGate: Double?
    var popularity: RunAccounting.PopularityMetrics?
    var cold: RunAccounting.ColdMetrics?
    var calibration: CalibrationFit?
    var uncalibrated: [String: [String: Double]]?
    var calibratedCollaborative: [String: [String: Double]]?

    enum CodingKeys: String, CodingKey {
        case valid, test, epochs, seconds, collaborative, llm, gate, text, popularity, cold, calibration, uncalibrated
        case calibratedCollaborative = "calibrated_collaborative"
        case textGate = "text_gate"
        case testOtherProtocol = "test_other_protocol"
        case excludeHistory = "exclude_history"
        case bestEpoch = "best_epoch"
    }

    /// The metrics of `result` under the protocol of `excludeHistory`, taking `seconds`.
    init(_ result: TrainingResult, excludeHistory: Bool, seconds: Double) {
        self.valid = result.validation
        self.test = result.test
        self.testOtherProtocol = result.testOtherProtocol
        self.excludeHistory = excludeHistory
        self.epochs = result.epochs
        self.bestEpoch = result.bestEpoch
        self.seconds = seconds
        self.collaborative = result.accounting?.collaborative
        self.llm = result.accounting?.llm
        self.gate = result.accounting?.gate
        self.text = result.accounting?.text
        self.textGate = result.accounting?.textGate
        self.popularity = result.accounting?.popularity
        self.cold = result.accounting?.cold
        self.calibration = result.accounting?.calibration
        self.uncalibrated = result.accounting?.uncalibrated
        self.calibratedCollaborative = result.accounting?.calibratedCollaborative
    }
}
