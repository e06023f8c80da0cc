import Foundation

/// Objective values as the GP sees them: centred on their mean and divided by their (population) standard
/// deviation, or only centred when they are numerically constant.
struct StandardisedTargets: Sendable {
    /// The standardised values, in the order given.
    let values: [Double]
    /// The mean of the raw values.
    let mean: Double
    /// Whether the raw values are all equal (to 1e-12 relative): then they are centred but not scaled.
    let isConstant: Bool

    /// Standardises `raw` (at least one value).
    init(_ raw: [Double]) {
        let mean = raw.reduce(0, +) / Double(max(raw.count, 1))
        let spread = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(raw.count, 1))).squareRoot()
        self.isConstant = !(spread > 1e-12 * max(1, abs(mean)))
        let scale = self.isConstant ? 1 : spread
        self.values = raw.map { ($0 - mean) / scale }
        self.mean = mean
    }
}

extension GaussianProcess {
    /// Fits the hyperparameters to `data` by maximum a posteriori (`HyperparameterFit` with the settings' restarts
    /// and iterations) and conditions on it: the surrogate behind proposals and parameter importances.
    /// - Parameters:
    ///   - oneHot: which feature columns are one-hot codes of categorical choices.
    ///   - diagnostics: receives the fit's degradations and any jitter added to the kernel.
    /// - Returns: the posterior, or `nil` when no hyperparameters could be fitted or the kernel never factored.
    static func fitted(
        to data: GPTrainingData, oneHot: [Bool], settings: OptimizerSettings, generator: inout SplitMix64,
        diagnostics: inout [Diagnostic]
    ) -> GaussianProcess? {
        let fit = HyperparameterFit(restarts: settings.restarts, iterations: settings.fitIterations, oneHot: oneHot)
        let (hyperparameters, fitDiagnostics) = fit.fit(data, using: &generator)
        diagnostics += fitDiagnostics
        guard let hyperparameters, let model = GaussianProcess(data: data, hyperparameters: hyperparameters) else {
            return nil
        }
        if model.jitter > 0 {
            diagnostics.append(Diagnostic(.jitterAdded, "added \(model.jitter) to the kernel diagonal"))
        }
        return model
    }
}
