/// The outcome of a training run.
public struct TrainingResult: Sendable, Codable, Equatable {
    /// Validation metrics of the best epoch.
    public var validation: [String: Double]
    /// Test metrics of the best epoch's parameters (history excluded unless `eval.exclude_history` is false).
    public var test: [String: Double]
    /// Test metrics under the other history protocol (RecBole's when the main one excludes the history).
    public var testOtherProtocol: [String: Double]
    /// Epochs trained.
    public var epochs: Int
    /// The best epoch (1-based).
    public var bestEpoch: Int
    /// Wall-clock seconds of training and evaluation.
    public var seconds: Double
    /// Where the ranking comes from: the collaborative model alone, the LLM side alone, per popularity and cold
    /// targets.
    public var accounting: RunAccounting?
}
