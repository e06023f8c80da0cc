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
}
