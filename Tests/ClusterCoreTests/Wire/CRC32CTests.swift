import Testing

@testable import ClusterCore

@Suite struct CRC32CTests {
    /// Bit-at-a-time reference, the textbook definition.
    private func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func standardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func slicedLoopMatchesTheBitwiseReferenceAtEveryLengthAndChunking() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<300).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 299, 300] {
            let prefix = Array(bytes[..<length])
            #expect(CRC32C.checksum(prefix) == self.reference(prefix), "length \(length)")
        }
        let split = 123
        let first = bytes[..<split].withUnsafeBytes { CRC32C.update(0, $0) }
        let whole = bytes[split...].withUnsafeBytes { CRC32C.update(first, $0) }
        #expect(whole == self.reference(bytes))
    }

    /// The CPU's instruction (used on every x86-64 machine this project runs on) and the table-driven loop agree at
    /// every length and start offset (the instruction reads 8 bytes at a time, unaligned, then the tail bytewise),
    /// and when continued across chunks.
    @Test func instructionAndTablesAgree() {
        #if arch(x86_64)
            #expect(CRC32C.usesHardware, "an x86-64 CPU without SSE4.2")
        #endif
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let bytes = (0..<4_133).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        bytes.withUnsafeBytes { buffer in
            for offset in 0..<9 {
                for length in [0, 1, 7, 8, 9, 16, 17, 100, 1_000, 4_124] {
                    let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)])
                    #expect(
                        CRC32C.update(0x1234_5678, slice) == CRC32C.softwareUpdate(0x1234_5678, slice),
                        "offset \(offset), length \(length)")
                }
            }
        }
        #expect(CRC32C.checksum(bytes) == self.reference(bytes))
    }
}
