/// FNV-1a 64: a fast, non-cryptographic hash of bytes, fed in pieces. It is the checksum of parameter files and the
/// fingerprint of what a cached result was computed from; it detects damage and distinguishes inputs, it does not
/// resist tampering.
public struct FNV1a: Sendable {
    /// The hash of every byte combined so far.
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// The hash of no bytes.
    public init() {}

    /// The hash of `bytes`.
    public init(_ bytes: some Sequence<UInt8>) {
        self.combine(bytes)
    }

    /// ``value`` as 16 hex digits, e.g. the name of a cached result's file.
    public var hex: String {
        let digits = String(self.value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Adds `bytes`.
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            self.value = (self.value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
    }

    /// Adds the little-endian bytes of `integer`.
    public mutating func combine<Integer: FixedWidthInteger>(integer: Integer) {
        withUnsafeBytes(of: integer.littleEndian) { self.combine($0) }
    }

    /// Adds a tensor's rank, dimensions and elements (their Float32 bit patterns), so that equal hashes mean equal
    /// shapes and bit-identical values (barring collisions).
    public mutating func combine(tensor: Tensor) {
        self.combine(integer: UInt32(tensor.rank))
        for dimension in tensor.shape { self.combine(integer: UInt64(dimension)) }
        tensor.withUnsafeBufferPointer { values in
            for element in values { self.combine(integer: element.bitPattern) }
        }
    }
}
