/// A bfloat16 value: the upper 16 bits of a Float32 (sign, 8 exponent bits, 7 fraction bits), so it has Float's
/// range with 8 significant bits (unit roundoff 2⁻⁸).
struct BFloat16: Equatable {
    var bitPattern: UInt16

    init(bitPattern: UInt16) {
        self.bitPattern = bitPattern
    }

    /// `value` rounded to the nearest bfloat16, ties to even. Infinities stay infinite, finite values beyond the
    /// largest bfloat16 become infinite (as IEEE rounding does), and NaNs stay NaN (quieted, sign and top payload
    /// bits kept: truncating a signalling NaN's payload could otherwise leave the bits of an infinity).
    init(rounding value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            self.bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        } else {
            let lowestKeptBit = (bits >> 16) & 1
            self.bitPattern = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ lowestKeptBit) >> 16)
        }
    }

    /// The exact Float32 value.
    var float: Float { Float(bitPattern: UInt32(self.bitPattern) << 16) }
}
