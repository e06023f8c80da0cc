import Foundation
import Testing

@testable import Search

@Suite struct LogExpectedImprovementTests {
    /// `log h(z)` against 50-digit values computed with mpmath (`log(npdf(z) + z·ncdf(z))`).
    @Test(arguments: [
        (2.0, 0.69738354578822831219), (0.0, -0.91893853320467274178), (-1.0, -2.4851210257126413368),
        (-5.0, -16.744301162660990143), (-10.0, -55.553122036122355927), (-24.9, -317.35848574266734362),
        (-30.0, -457.72465376059800405), (-100.0, -5010.1295788002497923), (-1e4, -50000019.339619307157),
    ])
    func logHMatchesHighPrecisionReferences(z: Double, expected: Double) {
        let value = LogExpectedImprovement.logH(z)
        #expect(value.isFinite)
        #expect(abs(value - expected) <= 1e-9 * max(1, abs(expected)), "z = \(z): \(value)")
    }

    @Test func expectedImprovementMatchesTextbookValues() {
        // EI = σ (z Φ(z) + φ(z)); at z = 0 it is σ φ(0) = σ / √(2π).
        let atZero = LogExpectedImprovement.expectedImprovement(mean: 1, sd: 2, best: 1)
        #expect(abs(atZero - 2 * 0.3989422804014327) < 1e-12)
        // z = 1: φ(1) + Φ(1) = 0.24197072451914337 + 0.8413447460685429.
        let atOne = LogExpectedImprovement.expectedImprovement(mean: 0, sd: 0.5, best: 0.5)
        #expect(abs(atOne - 0.5 * 1.0833154705876864) < 1e-12)
        // Far from the incumbent the plain EI underflows but log EI still ranks candidates.
        let far = LogExpectedImprovement.value(mean: 100, sd: 1, best: 0)
        let farther = LogExpectedImprovement.value(mean: 200, sd: 1, best: 0)
        #expect(far.isFinite && farther.isFinite && far > farther)
    }

    @Test func logHIsContinuousAcrossItsRegimes() {
        for boundary in [-1.0, -25.0] {
            let below = LogExpectedImprovement.logH(boundary - 1e-9)
            let above = LogExpectedImprovement.logH(boundary + 1e-9)
            #expect(abs(below - above) < 1e-6 * max(1, abs(above)))
        }
    }

    /// `(log h)′` against central differences of `logH` in every regime, including both sides of each boundary.
    @Test(arguments: [3.0, 0.0, -0.5, -0.999, -1.001, -5.0, -24.99, -25.01, -40.0, -300.0])
    func logHDerivativeMatchesFiniteDifferences(z: Double) {
        let step = 1e-5 * max(1, abs(z))
        let numeric = (LogExpectedImprovement.logH(z + step) - LogExpectedImprovement.logH(z - step)) / (2 * step)
        let analytic = LogExpectedImprovement.logHDerivative(z)
        // Truncation O(step²·|log h‴|) plus rounding ~1e-16·|log h| / step: both below 1e-6 relative here.
        #expect(abs(analytic - numeric) <= 1e-6 * max(1, abs(numeric)), "z = \(z): \(analytic) vs \(numeric)")
    }

    /// The mean and variance derivatives of log EI against central differences of `value`.
    @Test(arguments: [(0.3, 0.5), (2.0, 0.04), (-1.0, 2.0), (9.0, 0.01)])
    func logEIGradientMatchesFiniteDifferences(mean: Double, variance: Double) {
        let best = 0.1
        let result = LogExpectedImprovement.valueAndGradient(mean: mean, variance: variance, best: best)
        #expect(
            abs(result.value - LogExpectedImprovement.value(mean: mean, sd: variance.squareRoot(), best: best)) < 1e-12)
        let h = 1e-6
        let valueAt = { (m: Double, v: Double) in LogExpectedImprovement.value(mean: m, sd: v.squareRoot(), best: best)
        }
        let dMean = (valueAt(mean + h, variance) - valueAt(mean - h, variance)) / (2 * h)
        let dVariance =
            (valueAt(mean, variance + h * variance) - valueAt(mean, variance - h * variance)) / (2 * h * variance)
        #expect(abs(result.dMean - dMean) <= 1e-5 * max(1, abs(dMean)))
        #expect(abs(result.dVariance - dVariance) <= 1e-5 * max(1, abs(dVariance)))
    }
}
