/// GPT-2's reversible mapping between bytes and printable Unicode scalars.
///
/// Byte-level BPE vocabularies spell every token as a string of these scalars: the printable bytes `!`…`~`,
/// `¡`…`¬` and `®`…`ÿ` stand for themselves and the other 68 bytes map to U+0100 onwards in byte order
/// (so a space is `Ġ` and a newline `Ċ`).
enum ByteLevelMapping {
    /// The scalar that stands for each byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                table[byte] = Unicode.Scalar(UInt32(byte)) ?? " "
            } else {
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The byte each mapped scalar stands for, indexed by scalar value (0..<324).
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (byte, scalar) in Self.scalarForByte.enumerated() {
            table[Int(scalar.value)] = Int16(byte)
        }
        return table
    }()

    /// The raw bytes a vocabulary string spells, or `nil` if it contains a scalar outside the mapping.
    static func bytes(of token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.utf8.count)
        for scalar in token.unicodeScalars {
            let value = Int(scalar.value)
            guard value < Self.byteForScalar.count, Self.byteForScalar[value] >= 0 else { return nil }
            bytes.append(UInt8(Self.byteForScalar[value]))
        }
        return bytes
    }
}
