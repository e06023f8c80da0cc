/// The element encodings of GGUF tensors that MixRec can dequantise to Float32.
///
/// Block formats store `blockSize` weights in `blockBytes` bytes; plain formats have a block size of 1.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q8_0 = 8
    case bf16 = 30

    /// Weights per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q8_0: 32
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q8_0: 34
        }
    }

    /// The name GGML uses for the type.
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q8_0: "Q8_0"
        case .bf16: "BF16"
        }
    }

    /// The bytes that `count` elements occupy, or `nil` when `count` is not a whole number of blocks.
    public func byteCount(elements count: Int) -> Int? {
        guard count % self.blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / self.blockSize).multipliedReportingOverflow(by: self.blockBytes)
        return overflow ? nil : bytes
    }
}

// MARK: - Dequantisation

extension GGMLType {
    /// Decodes `destination.count` elements stored in this encoding at `source` into Float32.
    ///
    /// - Precondition: `source` holds at least `byteCount(elements: destination.count)` bytes.
    public func dequantize(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<Float>) {
        let count = destination.count
        precondition(source.count >= (self.byteCount(elements: count) ?? Int.max), "source too short for \(count)")
        guard let out = destination.baseAddress, let base = source.baseAddress else { return }
        switch self {
        case .f32:
            for i in 0..<count {
                out[i] = Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
        case .f16:
            for i in 0..<count { out[i] = Self.half(base, 2 * i) }
        case .bf16:
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
            }
        case .q8_0:
            for block in 0..<(count / 32) {
                let blockBase = base + block * 34
                let scale = Self.half(blockBase, 0)
                let quants = (blockBase + 2).assumingMemoryBound(to: Int8.self)
                let o = out + block * 32
                for j in 0..<32 { o[j] = scale * Float(quants[j]) }
            }
        case .q4_0:
            for block in 0..<(count / 32) {
                let blockBase = base + block * 18
                let scale = Self.half(blockBase, 0)
                Self.unpackNibbles(blockBase + 2, into: out + block * 32, scale: scale, offset: -8 * scale)
            }
        case .q4_1:
            for block in 0..<(count / 32) {
                let blockBase = base + block * 20
                let scale = Self.half(blockBase, 0)
                let minimum = Self.half(blockBase, 2)
                Self.unpackNibbles(blockBase + 4, into: out + block * 32, scale: scale, offset: minimum)
            }
        }
    }

    /// Reads an IEEE half at `offset` bytes from `base`.
    @inline(__always)
    private static func half(_ base: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Expands 16 bytes of nibbles into 32 weights `scale·q + offset`: the low nibble of byte j is weight j,
    /// the high nibble weight j + 16.
    @inline(__always)
    private static func unpackNibbles(
        _ nibbles: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, scale: Float, offset: Float
    ) {
        let bytes = nibbles.assumingMemoryBound(to: UInt8.self)
        for j in 0..<16 {
            let byte = bytes[j]
            out[j] = scale * Float(byte & 0x0F) + offset
            out[j + 16] = scale * Float(byte >> 4) + offset
        }
    }
}
