import CChecksum

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of parameter blobs, checkpoint files and the
/// ring's chunks.
///
/// The CPU's CRC-32C instruction where it has one (SSE4.2 on x86-64: 8 bytes an instruction), else slicing-by-8
/// (eight table look-ups per 8 input bytes). Check value: `CRC32C.checksum("123456789") == 0xE3069283`.
public enum CRC32C {
    /// Whether ``update(_:_:)`` uses the CPU's instruction.
    static let usesHardware = mixrec_crc32c_hardware_available() == 1

    private static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight 256-entry tables; table k advances the CRC of one byte followed by k zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        self.update(0, bytes)
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { self.update(0, $0) }
    }

    /// Continues the checksum `crc` of earlier bytes over `bytes` (for data read in chunks).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard Self.usesHardware, let base = bytes.baseAddress else { return self.softwareUpdate(crc, bytes) }
        return ~mixrec_crc32c_hardware_update(~crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// ``update(_:_:)`` by slicing-by-8, whatever the CPU has.
    static func softwareUpdate(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var state = ~crc
        var index = 0
        let count = bytes.count
        self.tables.withUnsafeBufferPointer { table in
            while index + 8 <= count {
                let low =
                    UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                    | UInt32(bytes[index + 3]) << 24
                let word = state ^ low
                let b4 = Int(bytes[index + 4])
                let b5 = Int(bytes[index + 5])
                let b6 = Int(bytes[index + 6])
                let b7 = Int(bytes[index + 7])
                state =
                    table[7 * 256 + Int(word & 0xFF)] ^ table[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((word >> 16) & 0xFF)] ^ table[4 * 256 + Int(word >> 24)]
                    ^ table[3 * 256 + b4] ^ table[2 * 256 + b5] ^ table[256 + b6] ^ table[b7]
                index += 8
            }
            while index < count {
                state = (state >> 8) ^ table[Int((state ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return ~state
    }
}
