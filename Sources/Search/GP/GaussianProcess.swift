import COpenBLAS
import Foundation

/// A Gaussian-process posterior (zero mean, Matérn-5/2 ARD kernel plus noise) conditioned on training data.
/// Inputs are feature rows in the unit cube; targets are standardised by the caller.
struct GaussianProcess: Sendable {
    let data: GPTrainingData
    let hyperparameters: GPHyperparameters
    /// Jitter added to the diagonal on top of the noise to make the factorisation succeed.
    let jitter: Double
    private let factor: CholeskyFactor
    /// `K⁻¹ y`, `[n]`.
    private let alpha: [Double]
    private let inverseLengthScales: [Double]

    /// Conditions on `data` with fixed hyperparameters, escalating the jitter (×100 from 1e-9 of the signal
    /// variance up to 1e-1) until the Cholesky factorisation succeeds; `nil` if it never does.
    init?(data: GPTrainingData, hyperparameters: GPHyperparameters) {
        let signal = exp(hyperparameters.logSignalVariance)
        let likelihood = MarginalLikelihood(data: data, jitter: 0)
        var covariance = likelihood.covariance(hyperparameters)
        let n = data.count
        var jitter = 0.0
        var factor = CholeskyFactor(symmetric: covariance, n: n)
        var level = 1e-9
        while factor == nil && level <= 1e-1 {
            let added = level * signal - jitter
            for i in 0..<n { covariance[i * n + i] += added }
            jitter = level * signal
            factor = CholeskyFactor(symmetric: covariance, n: n)
            level *= 100
        }
        guard let factor else { return nil }
        var alpha = data.targets
        factor.solve(&alpha, columns: 1)
        self.data = data
        self.hyperparameters = hyperparameters
        self.jitter = jitter
        self.factor = factor
        self.alpha = alpha
        self.inverseLengthScales = hyperparameters.logLengthScales.map { exp(-$0) }
    }

    /// The posterior mean and variance of the latent function at `count` feature rows (`[count, width]`).
    /// - Returns: `mean` and `variance`, each `[count]`; variances are floored at 1e-12.
    func predict(_ features: [Double], count: Int) -> (mean: [Double], variance: [Double]) {
        let n = self.data.count
        let signal = exp(self.hyperparameters.logSignalVariance)
        // Cross-covariances, column-major [n, count]: column c holds k(X, x_c).
        var cross = [Double](repeating: 0, count: n * count)
        var mean = [Double](repeating: 0, count: count)
        var variance = [Double](repeating: signal, count: count)
        self.data.features.withUnsafeBufferPointer { train in
            features.withUnsafeBufferPointer { query in
                self.inverseLengthScales.withUnsafeBufferPointer { scales in
                    cross.withUnsafeMutableBufferPointer { k in
                        for c in 0..<count {
                            var sum = 0.0
                            for i in 0..<n {
                                let value =
                                    signal
                                    * Matern52.correlation(
                                        r: Matern52.distance(train, i, query, c, inverseLengthScales: scales))
                                k[c * n + i] = value
                                sum += value * self.alpha[i]
                            }
                            mean[c] = sum
                        }
                        guard let base = k.baseAddress, n > 0 else { return }
                        self.factor.solveLower(base, columns: count)
                        for c in 0..<count {
                            var squares = 0.0
                            for i in 0..<n { squares += k[c * n + i] * k[c * n + i] }
                            variance[c] = max(signal - squares, 1e-12)
                        }
                    }
                }
            }
        }
        return (mean, variance)
    }

    /// The posterior after adding observations at `features` (`[count, width]`) with `targets`, keeping the
    /// hyperparameters (used for fantasies); `nil` if the enlarged kernel cannot be factored.
    func conditioned(on features: [Double], targets: [Double]) -> GaussianProcess? {
        let data = GPTrainingData(
            features: self.data.features + features, targets: self.data.targets + targets, width: self.data.width)
        return GaussianProcess(data: data, hyperparameters: self.hyperparameters)
    }
}
