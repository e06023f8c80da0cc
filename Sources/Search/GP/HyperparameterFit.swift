import Foundation

/// Fits GP hyperparameters by maximising the log marginal likelihood plus log priors: the prior mean and
/// `restarts` prior draws are screened by their value (one factorisation each), then bounded L-BFGS runs from the
/// best one.
struct HyperparameterFit {
    var restarts: Int
    var iterations: Int
    /// Which feature columns are one-hot codes of categorical choices (they get their own length-scale prior).
    var oneHot: [Bool] = []

    /// The best hyperparameters found, or `nil` with the reason when no start could be evaluated.
    func fit(_ data: GPTrainingData, using generator: inout SplitMix64) -> (GPHyperparameters?, [Diagnostic]) {
        let width = data.width
        let priors = HyperparameterPriors(featureCount: width, oneHot: self.oneHot)
        let (lower, upper) = priors.bounds(featureCount: width)
        let likelihood = MarginalLikelihood(data: data)
        let objective: ([Double]) -> (value: Double, gradient: [Double])? = { theta in
            guard var result = likelihood.evaluate(GPHyperparameters(flattened: theta)) else { return nil }
            priors.accumulate(theta, value: &result.value, gradient: &result.gradient)
            return (-result.value, result.gradient.map { -$0 })
        }
        var starts = [priors.means(featureCount: width)]
        for _ in 0..<self.restarts { starts.append(priors.sample(featureCount: width, using: &generator)) }
        let clamp: ([Double]) -> [Double] = { theta in theta.indices.map { min(max(theta[$0], lower[$0]), upper[$0]) } }
        var screened: [(start: [Double], value: Double)] = []
        for start in starts.map(clamp) {
            guard var value = likelihood.value(GPHyperparameters(flattened: start)) else { continue }
            var ignored = [Double](repeating: 0, count: start.count)
            priors.accumulate(start, value: &value, gradient: &ignored)
            if value.isFinite { screened.append((start, -value)) }
        }
        var diagnostics: [Diagnostic] = []
        if screened.count < starts.count {
            diagnostics.append(
                Diagnostic(
                    .fitDegraded, "\(starts.count - screened.count) of \(starts.count) starts had a singular kernel"))
        }
        let optimizer = BoundedLBFGS(lower: lower, upper: upper, maxIterations: self.iterations)
        var best: (point: [Double], value: Double)?
        for candidate in screened.sorted(by: { $0.value < $1.value }) {
            best = optimizer.minimize(from: candidate.start, objective: objective)
            if best != nil { break }
        }
        guard let best else {
            diagnostics.append(Diagnostic(.fitDegraded, "no hyperparameter start could be evaluated"))
            return (nil, diagnostics)
        }
        return (GPHyperparameters(flattened: best.point), diagnostics)
    }
}
