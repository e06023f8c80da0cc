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
    /// The training features divided by the length scales.
    private let train: ScaledFeatures

    /// Conditions on `data` with fixed hyperparameters, escalating the jitter (×100 from 1e-9 of the signal
    /// variance up to 1e-1) until the Cholesky factorisation succeeds; `nil` if it never does.
    init?(data: GPTrainingData, hyperparameters: GPHyperparameters) {
        let n = data.count
        let signal = exp(hyperparameters.logSignalVariance)
        let inverseLengthScales = hyperparameters.logLengthScales.map { exp(-$0) }
        let train = ScaledFeatures(features: data.features, count: n, inverseLengthScales: inverseLengthScales)
        var covariance = [Double](repeating: 0, count: n * n)
        covariance.withUnsafeMutableBufferPointer { train.kernel(against: train, signal: signal, into: $0) }
        let diagonal = signal + exp(hyperparameters.logNoiseVariance)
        for i in 0..<n { covariance[i * n + i] = diagonal }
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
        self.inverseLengthScales = inverseLengthScales
        self.train = train
    }

    /// The posterior mean and variance of the latent function at `count` feature rows (`[count, width]`).
    /// - Returns: `mean` and `variance`, each `[count]`; variances are floored at 1e-12.
    func predict(_ features: [Double], count: Int) -> (mean: [Double], variance: [Double]) {
        let n = self.data.count
        let signal = exp(self.hyperparameters.logSignalVariance)
        let query = ScaledFeatures(features: features, count: count, inverseLengthScales: self.inverseLengthScales)
        // Cross-covariances, column-major [n, count]: column c holds k(X, x_c).
        var cross = [Double](repeating: 0, count: n * count)
        var mean = [Double](repeating: 0, count: count)
        var variance = [Double](repeating: signal, count: count)
        guard n > 0, count > 0 else { return (mean, variance) }
        cross.withUnsafeMutableBufferPointer { k in
            self.train.kernel(against: query, signal: signal, into: k)
            cblas_dgemv(
                CblasColMajor, CblasTrans, Int32(n), Int32(count), 1, k.baseAddress, Int32(n), self.alpha, 1, 0,
                &mean, 1)
            guard let base = k.baseAddress else { return }
            self.factor.solveLower(base, columns: count)
            for c in 0..<count {
                var squares = 0.0
                for i in 0..<n { squares += k[c * n + i] * k[c * n + i] }
                variance[c] = max(signal - squares, 1e-12)
            }
        }
        return (mean, variance)
    }

    /// The posterior mean and variance at one feature row `x` (`[width]`) and their gradients with respect to `x`:
    /// `∂μ/∂x_d = Σ_i α_i ∂k_i/∂x_d` and `∂σ²/∂x_d = −2 Σ_i (K⁻¹k)_i ∂k_i/∂x_d`, with
    /// `∂k_i/∂x_d = −s² · 5/3 (1 + √5 r_i) exp(−√5 r_i) (x_d − X_id) / ℓ_d²`.
    /// - Returns: `mean`, `variance` (floored at 1e-12) and the gradients, each `[width]`.
    func predictWithGradient(_ x: [Double]) -> (mean: Double, variance: Double, dMean: [Double], dVariance: [Double]) {
        let n = self.data.count
        let width = self.data.width
        let signal = exp(self.hyperparameters.logSignalVariance)
        var kernel = [Double](repeating: 0, count: n)
        var factors = [Double](repeating: 0, count: n)
        var mean = 0.0
        self.data.features.withUnsafeBufferPointer { train in
            x.withUnsafeBufferPointer { query in
                self.inverseLengthScales.withUnsafeBufferPointer { scales in
                    for i in 0..<n {
                        let r = Matern52.distance(train, i, query, 0, inverseLengthScales: scales)
                        kernel[i] = signal * Matern52.correlation(r: r)
                        factors[i] = signal * Matern52.lengthScaleFactor(r: r)
                        mean += kernel[i] * self.alpha[i]
                    }
                }
            }
        }
        var weights = kernel
        if n > 0 { self.factor.solve(&weights, columns: 1) }
        var quadratic = 0.0
        for i in 0..<n { quadratic += kernel[i] * weights[i] }
        let variance = max(signal - quadratic, 1e-12)
        var dMean = [Double](repeating: 0, count: width)
        var dVariance = [Double](repeating: 0, count: width)
        for i in 0..<n {
            for d in 0..<width {
                let inverseScale = self.inverseLengthScales[d]
                let dk = -factors[i] * (x[d] - self.data.features[i * width + d]) * inverseScale * inverseScale
                dMean[d] += self.alpha[i] * dk
                dVariance[d] -= 2 * weights[i] * dk
            }
        }
        if signal - quadratic < 1e-12 { dVariance = [Double](repeating: 0, count: width) }
        return (mean, variance, dMean, dVariance)
    }

    /// The posterior after adding observations at `features` (`[count, width]`) with `targets`, keeping the
    /// hyperparameters (used for fantasies); `nil` if the enlarged kernel cannot be factored.
    func conditioned(on features: [Double], targets: [Double]) -> GaussianProcess? {
        let data = GPTrainingData(
            features: self.data.features + features, targets: self.data.targets + targets, width: self.data.width)
        return GaussianProcess(data: data, hyperparameters: self.hyperparameters)
    }
}
