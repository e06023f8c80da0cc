import Testing

@testable import Backbone

/// Each block format decoded against values computed from its definition.
@Suite struct DequantizationTests {
    func half(_ value: Float) -> [UInt8] {
        let bits = Float16(value).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    func decode(_ type: GGMLType, _ bytes: [UInt8], count: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        bytes.withUnsafeBytes { raw in out.withUnsafeMutableBufferPointer { type.dequantize(raw, into: $0) } }
        return out
    }

    /// Nibble byte j holds element j (low) and element j + 16 (high): here low = j, high = 15 - j.
    var nibbles: [UInt8] { (0..<16).map { UInt8($0) | UInt8(15 - $0) << 4 } }

    @Test func q4_1() {
        let bytes: [UInt8] = self.half(0.5) + self.half(-1) + self.nibbles
        let expected: [Float] = (0..<32).map { (i: Int) -> Float in
            let q = Float(i < 16 ? i : 31 - i)
            return 0.5 * q - 1
        }
        #expect(self.decode(.q4_1, bytes + bytes, count: 64) == expected + expected)
    }

    @Test func q4_0() {
        let bytes: [UInt8] = self.half(0.25) + self.nibbles
        let expected: [Float] = (0..<32).map { (i: Int) -> Float in
            let q = Float(i < 16 ? i : 31 - i)
            return 0.25 * (q - 8)
        }
        #expect(self.decode(.q4_0, bytes, count: 32) == expected)
    }

    @Test func q8_0() {
        let quants = (0..<32).map { Int8($0 * 8 - 128) }
        let bytes = self.half(-0.125) + quants.map { UInt8(bitPattern: $0) }
        #expect(self.decode(.q8_0, bytes, count: 32) == quants.map { -0.125 * Float($0) })
    }

    @Test func plainFormats() {
        let values: [Float] = [0, 1, -2.5, 65504, 0.099975586]
        #expect(self.decode(.f16, values.flatMap(self.half), count: 5) == values)
        let bf16: [Float] = [1, -3, 0.5]
        let bfBytes = bf16.flatMap { v -> [UInt8] in
            let bits = v.bitPattern >> 16
            return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        #expect(self.decode(.bf16, bfBytes, count: 3) == bf16)
        let f32Bytes = values.flatMap { v in withUnsafeBytes(of: v) { Array($0) } }
        #expect(self.decode(.f32, f32Bytes, count: 5) == values)
    }

    @Test func byteCounts() {
        #expect(GGMLType.q4_1.byteCount(elements: 64) == 40)
        #expect(GGMLType.q8_0.byteCount(elements: 33) == nil)
        #expect(GGMLType.f16.byteCount(elements: 3) == 6)
    }
}
