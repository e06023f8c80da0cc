/// The fixed 36-byte little-endian header in front of every ring chunk's raw payload.
///
/// Layout (byte offsets): magic `MXAR` 0–3, run tag 4–11, collective sequence number 12–19, ring step 20–21
/// (reduce-scatter steps `0..<N-1`, then all-gather steps `N-1..<2N-2`), payload encoding 22–23 (`ChunkEncoding`;
/// reserved and zero before bfloat16 existed, which is `native`), chunk index 24–27, payload bytes 28–31, CRC32C of
/// the payload bytes as sent 32–35 (0 when checksums are off).
struct ChunkHeader: Equatable {
    static let magic: UInt32 = 0x5241_584D  // "MXAR" read little-endian
    static let byteCount = 36

    var runTag: UInt64
    var sequence: UInt64
    var ringStep: UInt16
    var encoding: ChunkEncoding
    var chunk: UInt32
    var payloadBytes: UInt32
    var checksum: UInt32

    /// The header's bytes.
    var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.byteCount)
        bytes.withUnsafeMutableBytes { self.encode(into: $0) }
        return bytes
    }

    /// Writes the header into the first `byteCount` bytes of `raw`.
    func encode(into raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= Self.byteCount, "a chunk header needs \(Self.byteCount) bytes")
        raw.storeBytes(of: Self.magic.littleEndian, toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: self.runTag.littleEndian, toByteOffset: 4, as: UInt64.self)
        raw.storeBytes(of: self.sequence.littleEndian, toByteOffset: 12, as: UInt64.self)
        raw.storeBytes(of: self.ringStep.littleEndian, toByteOffset: 20, as: UInt16.self)
        raw.storeBytes(of: self.encoding.rawValue.littleEndian, toByteOffset: 22, as: UInt16.self)
        raw.storeBytes(of: self.chunk.littleEndian, toByteOffset: 24, as: UInt32.self)
        raw.storeBytes(of: self.payloadBytes.littleEndian, toByteOffset: 28, as: UInt32.self)
        raw.storeBytes(of: self.checksum.littleEndian, toByteOffset: 32, as: UInt32.self)
    }

    /// Parses a received header; nil when it is not one (wrong size or magic, or an encoding this build lacks).
    init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count == Self.byteCount,
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) == Self.magic,
            let encoding = ChunkEncoding(
                rawValue: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 22, as: UInt16.self)))
        else { return nil }
        self.encoding = encoding
        self.runTag = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt64.self))
        self.sequence = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        self.ringStep = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 20, as: UInt16.self))
        self.chunk = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt32.self))
        self.payloadBytes = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        self.checksum = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 32, as: UInt32.self))
    }

    init(
        runTag: UInt64, sequence: UInt64, ringStep: UInt16, encoding: ChunkEncoding = .native, chunk: UInt32,
        payloadBytes: UInt32, checksum: UInt32
    ) {
        self.runTag = runTag
        self.sequence = sequence
        self.ringStep = ringStep
        self.encoding = encoding
        self.chunk = chunk
        self.payloadBytes = payloadBytes
        self.checksum = checksum
    }
}

/// How a chunk's payload represents its elements.
enum ChunkEncoding: UInt16, CustomStringConvertible {
    /// Each element's own little-endian bytes: Float32 for Float sums, and always for Double and Int64 sums.
    case native = 0
    /// Float32 elements rounded to bfloat16, 2 bytes each (`AllReduceWire.bfloat16`).
    case bfloat16 = 1

    var description: String {
        switch self {
        case .native: "native (float32 for float sums)"
        case .bfloat16: "bfloat16"
        }
    }
}
