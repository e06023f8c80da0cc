import Foundation

/// A bounds-checked little-endian reader over the bytes of a file.
///
/// Every read checks that the bytes exist, so a truncated file surfaces as a ``ModelFileError`` that says how far
/// the reader got, never as an out-of-bounds crash.
struct ByteCursor {
    /// The bytes being read (usually a memory-mapped file).
    let data: Data
    /// The file name used in errors.
    let file: String
    /// The byte offset of the next read.
    var offset: Int = 0

    /// The bytes of the file at `path`, memory-mapped (pages are read on first use).
    static func mapFile(_ path: String) throws(ModelFileError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ModelFileError(file: path, "cannot be read: \(error.localizedDescription)")
        }
    }

    init(data: Data, file: String) {
        self.data = data
        self.file = file
    }

    /// Fails unless `count` more bytes are available.
    func require(_ count: Int, for what: String) throws(ModelFileError) {
        guard count >= 0, self.offset <= self.data.count - count else {
            throw ModelFileError(
                file: self.file,
                "truncated: needed \(count) bytes for \(what) at offset \(self.offset), the file has \(self.data.count)"
            )
        }
    }

    /// Reads one fixed-size little-endian value.
    mutating func read<T: FixedWidthInteger>(_: T.Type, for what: String) throws(ModelFileError) -> T {
        try self.require(MemoryLayout<T>.size, for: what)
        let start = self.data.startIndex + self.offset
        let value = self.data.withUnsafeBytes { raw in
            raw.loadUnaligned(fromByteOffset: start - self.data.startIndex, as: T.self)
        }
        self.offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    /// Reads a 32-bit IEEE float.
    mutating func readFloat32(for what: String) throws(ModelFileError) -> Float {
        Float(bitPattern: try self.read(UInt32.self, for: what))
    }

    /// Reads a 64-bit IEEE float.
    mutating func readFloat64(for what: String) throws(ModelFileError) -> Double {
        Double(bitPattern: try self.read(UInt64.self, for: what))
    }

    /// Reads a count stored as an unsigned 64-bit integer, rejecting values that cannot fit in the file.
    mutating func readCount(for what: String, elementSize: Int = 1) throws(ModelFileError) -> Int {
        let raw = try self.read(UInt64.self, for: what)
        let remaining = UInt64(self.data.count - self.offset)
        guard raw <= remaining / UInt64(max(1, elementSize)) else {
            throw ModelFileError(
                file: self.file,
                "truncated or corrupted: \(what) is \(raw) at offset \(self.offset - 8), more than the \(remaining) bytes left"
            )
        }
        return Int(raw)
    }

    /// Reads `count` raw bytes.
    mutating func readBytes(_ count: Int, for what: String) throws(ModelFileError) -> Data {
        try self.require(count, for: what)
        let start = self.data.startIndex + self.offset
        self.offset += count
        return self.data[start..<(start + count)]
    }

    /// Reads a GGUF string: a 64-bit byte length followed by UTF-8 bytes.
    mutating func readString(for what: String) throws(ModelFileError) -> String {
        let length = try self.readCount(for: "length of \(what)")
        let bytes = try self.readBytes(length, for: what)
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw ModelFileError(file: self.file, "corrupted: \(what) at offset \(self.offset - length) is not UTF-8")
        }
        return string
    }
}
