import Foundation
import Testing

@testable import Tensor

@Suite struct VectorMathTests {
    /// The polynomial exp stays within a few float ulps of libm over the range softmax uses, and underflows to
    /// exactly 0 for masked (−∞) scores.
    @Test func expMatchesLibm() {
        var worst: Double = 0
        for step in 0...4_000 {
            let x = Float(-87 + Double(step) * (175.0 / 4_000))
            let reference = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(VectorMath.exp(x)) - reference) / reference)
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(VectorMath.exp(-Float.infinity) == 0)
        #expect(VectorMath.exp(-100) == 0)
        #expect(VectorMath.exp(0) == 1)
    }

    @Test func reductionsHandleTails() {
        let values = (0..<37).map { Float($0) - 20 }
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            #expect(VectorMath.maximum(base, count: 37) == 16)
            #expect(VectorMath.maximum(base, count: 0) == -.infinity)
            #expect(VectorMath.sum(base, count: 37) == values.reduce(0, +))
            #expect(VectorMath.dot(base, base, count: 37) == values.reduce(0) { $0 + $1 * $1 })
        }
    }
}
