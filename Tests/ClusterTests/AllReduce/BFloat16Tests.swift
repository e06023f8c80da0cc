import Testing

@testable import Cluster

@Suite("bfloat16 conversion")
struct BFloat16Tests {
    @Test("every bfloat16 survives the trip through Float32, NaNs stay NaN")
    func roundTrip() {
        for bits in UInt16.min...UInt16.max {
            let value = BFloat16(bitPattern: bits)
            let back = BFloat16(rounding: value.float)
            if value.float.isNaN {
                #expect(back.float.isNaN, "NaN \(bits) stays NaN")
            } else {
                #expect(back == value, "bits \(bits)")
            }
        }
    }

    @Test("rounds to nearest with ties to even")
    func tiesToEven() {
        // Between 1 and 2 a bfloat16 step is 2⁻⁷; 1 + 2⁻⁸ lies halfway between 1 (even) and 1 + 2⁻⁷ (odd).
        #expect(BFloat16(rounding: 1 + 0x1p-8).float == 1)
        #expect(BFloat16(rounding: -(1 + 0x1p-8)).float == -1)
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even).
        #expect(BFloat16(rounding: 1 + 3 * 0x1p-8).float == 1 + 0x1p-6)
        // Just past halfway rounds up, just below rounds down.
        #expect(BFloat16(rounding: 1 + 0x1p-8 + 0x1p-20).float == 1 + 0x1p-7)
        #expect(BFloat16(rounding: 1 + 0x1p-8 - 0x1p-20).float == 1)
        // A carry into the exponent: the largest value below 2 rounds to 2.
        #expect(BFloat16(rounding: 2 - 0x1p-23).float == 2)
    }

    @Test("rounding is to the nearest bfloat16 across magnitudes")
    func nearest() {
        var state: UInt32 = 12345
        for _ in 0..<20000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let value = Float(bitPattern: state)  // any sign and exponent, subnormals included
            guard value.isFinite, abs(value) < 0x1.FEp127 else { continue }  // below the largest bfloat16
            let rounded = BFloat16(rounding: value)
            let below = BFloat16(bitPattern: UInt16(value.bitPattern >> 16))  // toward zero
            let above = BFloat16(bitPattern: below.bitPattern + 1)  // away from zero
            let error = abs(Double(rounded.float) - Double(value))
            #expect(rounded == below || rounded == above)
            #expect(error <= abs(Double(below.float) - Double(value)))
            #expect(error <= abs(Double(above.float) - Double(value)))
        }
    }

    @Test("infinities stay infinite, overflow becomes infinite, signalling NaNs become quiet NaNs")
    func specials() {
        #expect(BFloat16(rounding: .infinity).float == .infinity)
        #expect(BFloat16(rounding: -.infinity).float == -.infinity)
        #expect(BFloat16(rounding: .greatestFiniteMagnitude).float == .infinity)
        #expect(BFloat16(rounding: 0x1.FEp127).float == 0x1.FEp127)  // the largest bfloat16
        #expect(BFloat16(rounding: -0.0).bitPattern == 0x8000)
        let signalling = Float(bitPattern: 0x7F80_0001)  // truncation alone would give +infinity
        #expect(BFloat16(rounding: signalling).float.isNaN)
        #expect(BFloat16(rounding: -.nan).float.isNaN)
        #expect(BFloat16(rounding: -.nan).float.sign == .minus)
    }
}
