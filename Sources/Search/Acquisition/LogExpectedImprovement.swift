import Foundation

/// Expected improvement for minimisation and its logarithm, computed stably for very negative `z`
/// (after Ament et al., "Unexpected improvements to expected improvement", 2023).
///
/// With posterior mean `μ`, standard deviation `σ` and incumbent `f*`: `z = (f* − μ) / σ`,
/// `EI = σ h(z)`, `h(z) = φ(z) + z Φ(z)`, and `log EI = log σ + log h(z)`.
public enum LogExpectedImprovement {
    private static let logSqrtTwoPi = 0.5 * log(2 * Double.pi)
    private static let sqrtHalfPi = (Double.pi / 2).squareRoot()

    /// The standard normal density `φ(z)`.
    public static func density(_ z: Double) -> Double { exp(-0.5 * z * z - logSqrtTwoPi) }

    /// The standard normal distribution function `Φ(z)`, accurate in both tails.
    public static func cumulative(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// `log h(z)`, `h(z) = φ(z) + z Φ(z)`: finite for every finite `z`.
    ///
    /// Three regimes: direct evaluation for `z > −1`; for `−25 < z ≤ −1`,
    /// `log h = log φ(z) + log1p(−|z| √(π/2) erfcx(|z|/√2))` with `erfcx(x) = exp(x²) erfc(x)`; below −25 the
    /// asymptotic series `h(z)/φ(z) = z⁻² − 3z⁻⁴ + 15z⁻⁶ − 105z⁻⁸ + 945z⁻¹⁰` (relative error < 1e-10).
    public static func logH(_ z: Double) -> Double {
        if z > -1 { return log(density(z) + z * cumulative(z)) }
        let logDensity = -0.5 * z * z - logSqrtTwoPi
        if z > -25 {
            let x = -z / 2.0.squareRoot()
            let erfcx = exp(x * x) * erfc(x)
            return logDensity + log1p(z * sqrtHalfPi * erfcx)
        }
        let inverseSquare = 1 / (z * z)
        var series = 0.0
        var term = inverseSquare
        for coefficient in [1.0, -3, 15, -105, 945] {
            series += coefficient * term
            term *= inverseSquare
        }
        return logDensity + log(series)
    }

    /// `log EI` for minimisation at posterior mean `mean`, standard deviation `sd > 0` and incumbent `best`.
    public static func value(mean: Double, sd: Double, best: Double) -> Double {
        log(sd) + logH((best - mean) / sd)
    }

    /// `d log h / dz = Φ(z) / h(z)`, the inverse of the "improvement Mills ratio", finite for every finite `z`: direct
    /// for `z > −1`; for `−25 < z ≤ −1` with `erfcx`, where the common factor `exp(−z²/2)` cancels; below −25 the
    /// quotient of the asymptotic series `Φ/φ ≈ |z|⁻¹(1 − z⁻² + 3z⁻⁴ − 15z⁻⁶)` and `h/φ` (see `logH`).
    public static func logHDerivative(_ z: Double) -> Double {
        if z > -1 { return cumulative(z) / (density(z) + z * cumulative(z)) }
        if z > -25 {
            let x = -z / 2.0.squareRoot()
            let erfcx = exp(x * x) * erfc(x)
            return 0.5 * erfcx * (2 * Double.pi).squareRoot() / (1 + z * sqrtHalfPi * erfcx)
        }
        let inverseSquare = 1 / (z * z)
        let tail = (1 - inverseSquare * (1 - inverseSquare * (3 - 15 * inverseSquare))) / -z
        let improvement = inverseSquare * (1 - inverseSquare * (3 - inverseSquare * (15 - 105 * inverseSquare)))
        return tail / improvement
    }

    /// `log EI` and its partial derivatives with respect to the posterior mean and variance (for gradient-based
    /// acquisition search): `∂/∂μ = −(log h)′(z) / σ`, `∂/∂σ² = (1 − z (log h)′(z)) / (2σ²)`.
    public static func valueAndGradient(
        mean: Double, variance: Double, best: Double
    ) -> (value: Double, dMean: Double, dVariance: Double) {
        let sd = variance.squareRoot()
        let z = (best - mean) / sd
        let slope = logHDerivative(z)
        return (log(sd) + logH(z), -slope / sd, (1 - z * slope) / (2 * variance))
    }

    /// Plain expected improvement `σ h(z)` (underflows to 0 far from the incumbent; use `value` to rank).
    public static func expectedImprovement(mean: Double, sd: Double, best: Double) -> Double {
        exp(value(mean: mean, sd: sd, best: best))
    }
}
