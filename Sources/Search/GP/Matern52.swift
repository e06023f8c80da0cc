import Foundation

/// The Matérn-5/2 kernel with per-dimension length scales (ARD):
/// `k(x, x') = s² (1 + √5 r + 5/3 r²) exp(−√5 r)`, `r² = Σ_d (x_d − x'_d)² / ℓ_d²`.
enum Matern52 {
    static let sqrt5 = 5.0.squareRoot()

    /// The kernel value at scaled distance `r` with unit signal variance.
    @inline(__always)
    static func correlation(r: Double) -> Double {
        (1 + sqrt5 * r + 5.0 / 3.0 * r * r) * exp(-sqrt5 * r)
    }

    /// `−(1/r) ∂k/∂r` at unit signal variance: `5/3 (1 + √5 r) exp(−√5 r)`. Multiplied by `Δ_d² / ℓ_d²` it gives
    /// `∂k / ∂log ℓ_d`, with no division by `r`.
    @inline(__always)
    static func lengthScaleFactor(r: Double) -> Double {
        5.0 / 3.0 * (1 + sqrt5 * r) * exp(-sqrt5 * r)
    }

    /// The scaled distance between row `i` of `a` and row `j` of `b`, both row-major with `width` columns.
    @inline(__always)
    static func distance(
        _ a: UnsafeBufferPointer<Double>, _ i: Int, _ b: UnsafeBufferPointer<Double>, _ j: Int,
        inverseLengthScales: UnsafeBufferPointer<Double>
    ) -> Double {
        let width = inverseLengthScales.count
        var sum = 0.0
        for d in 0..<width {
            let delta = (a[i * width + d] - b[j * width + d]) * inverseLengthScales[d]
            sum += delta * delta
        }
        return sum.squareRoot()
    }
}

/// The GP's hyperparameters, all on a log scale: length scales (one per feature), signal variance, noise variance.
struct GPHyperparameters: Hashable, Sendable {
    var logLengthScales: [Double]
    var logSignalVariance: Double
    var logNoiseVariance: Double

    /// `[log ℓ_1 … log ℓ_D, log s², log σ²]`.
    var flattened: [Double] { self.logLengthScales + [self.logSignalVariance, self.logNoiseVariance] }

    init(logLengthScales: [Double], logSignalVariance: Double, logNoiseVariance: Double) {
        self.logLengthScales = logLengthScales
        self.logSignalVariance = logSignalVariance
        self.logNoiseVariance = logNoiseVariance
    }

    init(flattened: [Double]) {
        self.logLengthScales = Array(flattened.dropLast(2))
        self.logSignalVariance = flattened[flattened.count - 2]
        self.logNoiseVariance = flattened[flattened.count - 1]
    }
}
