import Foundation

// MARK: - Named parameter files

/// Saves and loads named parameter sets in MixRec's parameter format (also described in `docs/formats.md`).
///
/// All integers and floats are little-endian:
///
/// | field | bytes |
/// |---|---|
/// | magic `MIXRECPT` (ASCII) | 8 |
/// | format version, `UInt32` (currently 1) | 4 |
/// | entry count N, `UInt32` | 4 |
/// | N entries, sorted by name: name length `UInt32`, UTF-8 name, rank `UInt32`, rank × `UInt64` dimensions, then the elements as `Float32` in row-major order | … |
/// | checksum: FNV-1a 64 of every byte before it, `UInt64` | 8 |
///
/// Reading checks the magic, version, every length against the bytes present, and the checksum, and throws a
/// `ParameterFileError` saying what is wrong; a corrupted or truncated file never yields tensors.
public enum ParameterFile {
    static let magic = Array("MIXRECPT".utf8)
    static let version: UInt32 = 1

    /// The file contents for `parameters`.
    public static func encode(_ parameters: [String: Tensor]) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.append(contentsOf: Self.magic)
        writer.append(Self.version)
        writer.append(UInt32(parameters.count))
        for name in parameters.keys.sorted() {
            guard let tensor = parameters[name] else { continue }
            let utf8 = Array(name.utf8)
            writer.append(UInt32(utf8.count))
            writer.bytes.append(contentsOf: utf8)
            writer.append(UInt32(tensor.rank))
            for dimension in tensor.shape {
                writer.append(UInt64(dimension))
            }
            tensor.withUnsafeBufferPointer { writer.append($0) }
        }
        writer.append(Self.checksum(writer.bytes[...]))
        return writer.bytes
    }

    /// The parameters stored in `bytes`.
    /// - Throws: `ParameterFileError` for a wrong magic or version, truncation, a checksum mismatch or a
    ///   malformed entry.
    public static func decode(_ bytes: [UInt8]) throws(ParameterFileError) -> [String: Tensor] {
        guard bytes.count >= Self.magic.count + 16 else {
            throw .truncated(expectedAtLeast: Self.magic.count + 16, actual: bytes.count)
        }
        guard Array(bytes[0..<Self.magic.count]) == Self.magic else { throw .notAParameterFile }
        let body = bytes[0..<(bytes.count - 8)]
        var reader = ByteReader(bytes: bytes, position: Self.magic.count)
        let version: UInt32 = try reader.read()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let entries: UInt32 = try reader.read()
        var trailer = ByteReader(bytes: bytes, position: bytes.count - 8)
        let stored: UInt64 = try trailer.read()
        let computed = Self.checksum(body)
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        reader.limit = body.count
        var result: [String: Tensor] = [:]
        for _ in 0..<entries {
            let nameLength: UInt32 = try reader.read()
            let nameBytes = try reader.readBytes(Int(nameLength))
            guard let name = String(validating: nameBytes, as: UTF8.self) else { throw .malformed("name is not UTF-8") }
            guard result[name] == nil else { throw .malformed("duplicate parameter \(name)") }
            let rank: UInt32 = try reader.read()
            guard rank <= 16 else { throw .malformed("\(name): rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank {
                let dimension: UInt64 = try reader.read()
                guard dimension <= UInt64(Int32.max) else { throw .malformed("\(name): dimension \(dimension)") }
                shape.append(Int(dimension))
            }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, count <= (body.count - reader.position) / 4 else {
                throw .truncated(expectedAtLeast: reader.position + count * 4 + 8, actual: bytes.count)
            }
            let tensor = Tensor.uninitialized(shape: shape)
            let failure = tensor.withUnsafeMutableBufferPointer { buffer -> ParameterFileError? in
                do throws(ParameterFileError) {
                    try reader.readFloats(into: buffer, count: count)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
            result[name] = tensor
        }
        guard reader.position == body.count else {
            throw .malformed("\(body.count - reader.position) unexpected bytes after the last entry")
        }
        return result
    }

    /// Writes `parameters` to the file at `path` (replacing it atomically).
    public static func save(_ parameters: [String: Tensor], to path: String) throws(ParameterFileError) {
        do {
            try Data(Self.encode(parameters)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "\(error)")
        }
    }

    /// Reads the parameters in the file at `path`.
    public static func load(from path: String) throws(ParameterFileError) -> [String: Tensor] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io(path: path, reason: "\(error)")
        }
        return try Self.decode([UInt8](data))
    }

    /// Copies the values stored in the file at `path` into existing tensors with the same names and shapes.
    /// - Throws: `.missingParameter` when the file lacks a name, `.shapeMismatch` when shapes differ.
    public static func load(from path: String, into parameters: [String: Tensor]) throws(ParameterFileError) {
        let stored = try Self.load(from: path)
        for (name, tensor) in parameters {
            guard let source = stored[name] else { throw .missingParameter(name) }
            guard source.shape == tensor.shape else {
                throw .shapeMismatch(name: name, expected: tensor.shape, found: source.shape)
            }
            tensor.copyValues(from: source)
        }
    }

    /// FNV-1a 64 over `bytes`.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash = FNV1a()
        hash.combine(bytes)
        return hash.value
    }
}

// MARK: - Errors

/// Why a parameter file could not be read or written.
public enum ParameterFileError: Error, Equatable, CustomStringConvertible {
    /// The file does not start with the `MIXRECPT` magic.
    case notAParameterFile
    /// The file was written by a format version this build does not read.
    case unsupportedVersion(UInt32)
    /// The file ends before the data it announces.
    case truncated(expectedAtLeast: Int, actual: Int)
    /// The stored checksum does not match the contents (corruption).
    case checksumMismatch(stored: UInt64, computed: UInt64)
    /// An entry is inconsistent.
    case malformed(String)
    /// A parameter to load is absent from the file.
    case missingParameter(String)
    /// A parameter's stored shape differs from the tensor it should fill.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// The file system refused.
    case io(path: String, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .notAParameterFile: "not a MixRec parameter file (bad magic)"
        case .unsupportedVersion(let version): "unsupported parameter file version \(version)"
        case .truncated(let expected, let actual):
            "truncated parameter file: needs at least \(expected) bytes, has \(actual)"
        case .checksumMismatch(let stored, let computed):
            "corrupted parameter file: checksum \(String(stored, radix: 16)) != computed \(String(computed, radix: 16))"
        case .malformed(let reason): "malformed parameter file: \(reason)"
        case .missingParameter(let name): "parameter \(name) is missing from the file"
        case .shapeMismatch(let name, let expected, let found):
            "parameter \(name): file has shape \(found), expected \(expected)"
        case .io(let path, let reason): "cannot access \(path): \(reason)"
        }
    }
}

// MARK: - Byte coding

/// Appends little-endian values.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append<Value: FixedWidthInteger>(_ value: Value) {
        withUnsafeBytes(of: value.littleEndian) { self.bytes.append(contentsOf: $0) }
    }

    mutating func append(_ floats: UnsafeBufferPointer<Float>) {
        self.bytes.reserveCapacity(self.bytes.count + floats.count * 4)
        for value in floats {
            self.append(value.bitPattern)
        }
    }
}

/// Reads little-endian values, throwing `truncated` past `limit`.
private struct ByteReader {
    let bytes: [UInt8]
    var position: Int
    var limit: Int

    init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
        self.limit = bytes.count
    }

    private mutating func claim(_ count: Int) throws(ParameterFileError) -> Int {
        guard count >= 0, count <= self.limit - self.position else {
            throw .truncated(expectedAtLeast: self.position + count + 8, actual: self.bytes.count)
        }
        defer { self.position += count }
        return self.position
    }

    mutating func read<Value: FixedWidthInteger>() throws(ParameterFileError) -> Value {
        let start = try self.claim(MemoryLayout<Value>.size)
        var value: Value = 0
        for index in (0..<MemoryLayout<Value>.size).reversed() {
            value = value << 8 | Value(self.bytes[start + index])
        }
        return value
    }

    mutating func readBytes(_ count: Int) throws(ParameterFileError) -> [UInt8] {
        let start = try self.claim(count)
        return Array(self.bytes[start..<(start + count)])
    }

    mutating func readFloats(into target: UnsafeMutableBufferPointer<Float>, count: Int) throws(ParameterFileError) {
        let start = try self.claim(count * 4)
        for index in 0..<count {
            let offset = start + index * 4
            let bits =
                UInt32(self.bytes[offset]) | UInt32(self.bytes[offset + 1]) << 8 | UInt32(self.bytes[offset + 2]) << 16
                | UInt32(self.bytes[offset + 3]) << 24
            target[index] = Float(bitPattern: bits)
        }
    }
}
