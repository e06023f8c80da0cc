import Foundation

/// Log-normal priors on the GP hyperparameters, in log space: `log θ ~ N(mean, sd²)`. They keep length scales
/// and noise sensible with a handful of points. Length scales grow with √(feature count), as distances in the unit
/// cube do (the idea of Hvarfner et al., 2024, with a smaller centre: with tens of points the wider prior explained
/// Hartmann-6 as pure noise); the noise prior favours nearly deterministic objectives but allows up to half the
/// output variance.
struct HyperparameterPriors: Sendable {
    var lengthScaleMean: Double
    var lengthScaleSD = 1.2
    var signalMean = 0.0
    var signalSD = 1.0
    var noiseMean = -8.0
    var noiseSD = 2.0

    init(featureCount: Int) {
        self.lengthScaleMean = log(0.4) + 0.5 * log(Double(max(featureCount, 1)))
    }

    /// Box constraints on the flattened log hyperparameters.
    func bounds(featureCount: Int) -> (lower: [Double], upper: [Double]) {
        let lower = [Double](repeating: log(1e-2), count: featureCount) + [log(1e-2), log(1e-6)]
        let upper = [Double](repeating: log(1e3), count: featureCount) + [log(1e2), log(0.5)]
        return (lower, upper)
    }

    /// The prior means, flattened: the default starting point of the fit.
    func means(featureCount: Int) -> [Double] {
        [Double](repeating: self.lengthScaleMean, count: featureCount) + [self.signalMean, self.noiseMean]
    }

    /// A random draw, flattened.
    func sample(featureCount: Int, using generator: inout SplitMix64) -> [Double] {
        let scales = (0..<featureCount).map { _ in self.lengthScaleMean + self.lengthScaleSD * generator.nextNormal() }
        return scales + [
            self.signalMean + self.signalSD * generator.nextNormal(),
            self.noiseMean + self.noiseSD * generator.nextNormal(),
        ]
    }

    /// Adds `log p(θ)` and its gradient to `value` and `gradient`.
    func accumulate(_ theta: [Double], value: inout Double, gradient: inout [Double]) {
        let d = theta.count - 2
        for index in theta.indices {
            let (mean, sd) =
                index < d
                ? (self.lengthScaleMean, self.lengthScaleSD)
                : index == d ? (self.signalMean, self.signalSD) : (self.noiseMean, self.noiseSD)
            let z = (theta[index] - mean) / sd
            value -= 0.5 * z * z
            gradient[index] -= z / sd
        }
    }
}

/// Training data of the GP: features `[n, width]` row-major in the unit cube and standardised targets `[n]`.
struct GPTrainingData: Sendable {
    let features: [Double]
    let targets: [Double]
    let width: Int

    var count: Int { self.targets.count }
}

/// The exact log marginal likelihood of a zero-mean GP with a Matérn-5/2 ARD kernel and its analytic gradient with
/// respect to the log hyperparameters:
/// `log p(y) = −½ yᵀK⁻¹y − ½ log|K| − n/2 log 2π`,
/// `∂/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ)`, `α = K⁻¹y`.
/// Buffers are allocated once per instance and reused across evaluations.
final class MarginalLikelihood {
    let data: GPTrainingData
    /// Added to the kernel diagonal on top of the noise (relative to nothing: an absolute floor).
    let jitter: Double
    private var distances: [Double]
    private var kernel: [Double]
    private var inverse: [Double]
    private var scratch: [Double]

    init(data: GPTrainingData, jitter: Double = 1e-9) {
        self.data = data
        self.jitter = jitter
        let n = data.count
        self.distances = [Double](repeating: 0, count: n * n)
        self.kernel = [Double](repeating: 0, count: n * n)
        self.inverse = [Double](repeating: 0, count: n * n)
        self.scratch = [Double](repeating: 0, count: n * n)
    }

    /// The kernel matrix `K + (σ² + jitter) I` (column-major and symmetric) for `hyperparameters`; also fills
    /// the scaled-distance matrix.
    func covariance(_ hyperparameters: GPHyperparameters) -> [Double] {
        let n = self.data.count
        let signal = exp(hyperparameters.logSignalVariance)
        let diagonal = signal + exp(hyperparameters.logNoiseVariance) + self.jitter
        let inverseScales = hyperparameters.logLengthScales.map { exp(-$0) }
        self.data.features.withUnsafeBufferPointer { x in
            inverseScales.withUnsafeBufferPointer { scales in
                self.distances.withUnsafeMutableBufferPointer { r in
                    self.kernel.withUnsafeMutableBufferPointer { k in
                        for i in 0..<n {
                            k[i * n + i] = diagonal
                            r[i * n + i] = 0
                            for j in 0..<i {
                                let distance = Matern52.distance(x, i, x, j, inverseLengthScales: scales)
                                let value = signal * Matern52.correlation(r: distance)
                                r[i * n + j] = distance
                                r[j * n + i] = distance
                                k[i * n + j] = value
                                k[j * n + i] = value
                            }
                        }
                    }
                }
            }
        }
        return self.kernel
    }

    /// The log marginal likelihood alone (one factorisation, no gradient); `nil` when the kernel matrix is not
    /// positive definite.
    func value(_ hyperparameters: GPHyperparameters) -> Double? {
        guard let factor = CholeskyFactor(symmetric: self.covariance(hyperparameters), n: self.data.count) else {
            return nil
        }
        return self.value(factor: factor).value
    }

    private func value(factor: CholeskyFactor) -> (value: Double, alpha: [Double]) {
        var alpha = self.data.targets
        factor.solve(&alpha, columns: 1)
        var value = -0.5 * factor.logDeterminant - 0.5 * Double(self.data.count) * log(2 * Double.pi)
        for i in 0..<self.data.count { value -= 0.5 * self.data.targets[i] * alpha[i] }
        return (value, alpha)
    }

    /// The log marginal likelihood and its gradient (flattened like `GPHyperparameters.flattened`); `nil` when
    /// the kernel matrix is not positive definite.
    func evaluate(_ hyperparameters: GPHyperparameters) -> (value: Double, gradient: [Double])? {
        let n = self.data.count
        let width = self.data.width
        guard let factor = CholeskyFactor(symmetric: self.covariance(hyperparameters), n: n) else { return nil }
        let (value, alpha) = self.value(factor: factor)
        // K⁻¹ from the factor; only its lower triangle (row i ≥ column j, at j·n + i) is read below.
        factor.inverse(into: &self.inverse, scratch: &self.scratch)

        let signal = exp(hyperparameters.logSignalVariance)
        let noise = exp(hyperparameters.logNoiseVariance)
        var gradient = [Double](repeating: 0, count: width + 2)
        var signalGradient = 0.0
        var noiseGradient = 0.0
        let inverseSquares = hyperparameters.logLengthScales.map { exp(-2 * $0) }
        self.data.features.withUnsafeBufferPointer { x in
            self.distances.withUnsafeBufferPointer { r in
                self.inverse.withUnsafeBufferPointer { kInverse in
                    gradient.withUnsafeMutableBufferPointer { grad in
                        for i in 0..<n {
                            let wDiagonal = alpha[i] * alpha[i] - kInverse[i * n + i]
                            signalGradient += 0.5 * wDiagonal * signal
                            noiseGradient += 0.5 * wDiagonal * noise
                            for j in 0..<i {
                                // Both triangles: the factor ½ cancels.
                                let w = alpha[i] * alpha[j] - kInverse[j * n + i]
                                let distance = r[i * n + j]
                                signalGradient += w * signal * Matern52.correlation(r: distance)
                                let scale = w * signal * Matern52.lengthScaleFactor(r: distance)
                                for d in 0..<width {
                                    let delta = x[i * width + d] - x[j * width + d]
                                    grad[d] += scale * delta * delta * inverseSquares[d]
                                }
                            }
                        }
                    }
                }
            }
        }
        gradient[width] = signalGradient
        gradient[width + 1] = noiseGradient
        return (value, gradient)
    }
}
