import Foundation

/// A parsed GGUF v2/v3 file: its metadata, its tensor table and (memory-mapped) tensor data.
///
/// Parsing checks the magic, version, every length and offset against the file size and the alignment of each
/// tensor, so a truncated or corrupted file fails here with a ``ModelFileError`` naming the file and the item.
public struct GGUFFile: @unchecked Sendable {
    /// One entry of the tensor table.
    public struct TensorInfo: Sendable, Equatable {
        /// The tensor's name, e.g. `blk.0.attn_q.weight`.
        public let name: String
        /// Dimensions as GGUF lists them: the fastest-varying axis first.
        public let dimensions: [Int]
        /// The raw GGML type code.
        public let typeCode: UInt32
        /// The byte offset of the data, relative to the start of the data section.
        public let offset: Int

        /// The row-major shape (slowest axis first), e.g. `[rows, columns]` for a matrix.
        public var shape: [Int] { self.dimensions.reversed() }
        /// The number of elements.
        public var elementCount: Int { self.dimensions.reduce(1, *) }
        /// The decoded type, or `nil` when MixRec cannot dequantise it.
        public var type: GGMLType? { GGMLType(rawValue: self.typeCode) }
    }

    /// The path the file was read from (used in errors).
    public let path: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// Every metadata key and value.
    public let metadata: [String: GGUFValue]
    /// The tensor table in file order.
    public let tensors: [TensorInfo]
    /// The alignment of tensor data (`general.alignment`, default 32).
    public let alignment: Int

    private let data: Data
    private let dataStart: Int
    private let tensorIndex: [String: Int]

    // MARK: - Parsing

    /// Memory-maps and parses the GGUF file at `path`.
    public init(path: String) throws(ModelFileError) {
        let data = try ByteCursor.mapFile(path)
        try self.init(data: data, path: path)
    }

    /// Parses GGUF bytes already in memory; `path` is only used in errors.
    public init(data: Data, path: String) throws(ModelFileError) {
        var cursor = ByteCursor(data: data, file: path)
        let magic = try cursor.read(UInt32.self, for: "the magic number")
        guard magic == 0x4655_4747 else {
            throw ModelFileError(file: path, "not a GGUF file: the first 4 bytes are not 'GGUF'")
        }
        let version = try cursor.read(UInt32.self, for: "the version")
        guard version == 2 || version == 3 else {
            throw ModelFileError(file: path, "unsupported GGUF version \(version) (expected 2 or 3)")
        }
        // Each tensor-table entry takes at least 24 bytes and each key/value pair at least 12.
        let tensorCount = try cursor.readCount(for: "the tensor count", elementSize: 24)
        let metadataCount = try cursor.readCount(for: "the metadata count", elementSize: 12)

        var metadata: [String: GGUFValue] = [:]
        for index in 0..<metadataCount {
            let key = try cursor.readString(for: "metadata key #\(index)")
            let type = try cursor.read(UInt32.self, for: "the type of \(key)")
            metadata[key] = try GGUFValue.read(type: type, from: &cursor, key: key)
        }

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.intValue, a > 0, a & (a - 1) == 0 else {
                throw ModelFileError(file: path, item: "general.alignment", "must be a power of two, found \(value)")
            }
            alignment = a
        }

        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            let name = try cursor.readString(for: "the name of tensor #\(index)")
            let rank = try cursor.read(UInt32.self, for: "the rank of \(name)")
            guard (1...4).contains(rank) else {
                throw ModelFileError(file: path, item: name, "corrupted: rank \(rank) (expected 1...4)")
            }
            var dimensions: [Int] = []
            for _ in 0..<rank {
                let d = try cursor.read(UInt64.self, for: "a dimension of \(name)")
                guard d > 0, d < 1 << 40 else {
                    throw ModelFileError(file: path, item: name, "corrupted: dimension \(d)")
                }
                dimensions.append(Int(d))
            }
            let typeCode = try cursor.read(UInt32.self, for: "the type of \(name)")
            let offset = try cursor.read(UInt64.self, for: "the offset of \(name)")
            guard offset < 1 << 48 else {
                throw ModelFileError(file: path, item: name, "corrupted: data offset \(offset)")
            }
            tensors.append(TensorInfo(name: name, dimensions: dimensions, typeCode: typeCode, offset: Int(offset)))
        }
        let dataStart = (cursor.offset + alignment - 1) / alignment * alignment
        let dataBytes = data.count - dataStart

        var tensorIndex: [String: Int] = [:]
        for (index, info) in tensors.enumerated() {
            guard tensorIndex.updateValue(index, forKey: info.name) == nil else {
                throw ModelFileError(file: path, item: info.name, "corrupted: the tensor name appears twice")
            }
            guard info.offset % alignment == 0 else {
                throw ModelFileError(
                    file: path, item: info.name, "corrupted: offset \(info.offset) is not a multiple of \(alignment)")
            }
            guard let type = info.type else { continue }  // reported when the tensor is read
            guard let bytes = type.byteCount(elements: info.elementCount) else {
                throw ModelFileError(
                    file: path, item: info.name,
                    "corrupted: \(info.elementCount) elements is not a whole number of \(type.name) blocks")
            }
            guard info.offset + bytes <= dataBytes else {
                throw ModelFileError(
                    file: path, item: info.name,
                    "truncated: \(type.name) data needs bytes \(info.offset)..<\(info.offset + bytes) of the data "
                        + "section, which has \(max(0, dataBytes)) bytes")
            }
        }

        self.path = path
        self.version = version
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.data = data
        self.dataStart = dataStart
        self.tensorIndex = tensorIndex
    }

    // MARK: - Access

    /// The table entry of the tensor called `name`, or `nil`.
    public func tensorInfo(_ name: String) -> TensorInfo? {
        self.tensorIndex[name].map { self.tensors[$0] }
    }

    /// Dequantises the tensor called `name` into `destination`, checking that it has `expectedShape` (row-major).
    ///
    /// - Throws: ``ModelFileError`` if the tensor is missing, has another shape or an unsupported type.
    public func read(
        _ name: String, expectedShape: [Int], into destination: UnsafeMutableBufferPointer<Float>
    ) throws(ModelFileError) {
        guard let info = self.tensorInfo(name) else {
            throw ModelFileError(file: self.path, item: name, "missing tensor (expected shape \(expectedShape))")
        }
        guard info.shape == expectedShape else {
            throw ModelFileError(file: self.path, item: name, "shape \(info.shape), expected \(expectedShape)")
        }
        guard let type = info.type else {
            let supported = GGMLType.allCases.map(\.name).joined(separator: ", ")
            throw ModelFileError(
                file: self.path, item: name, "unsupported tensor type \(info.typeCode) (supported: \(supported))")
        }
        precondition(destination.count == info.elementCount, "destination holds \(destination.count) floats")
        let bytes = type.byteCount(elements: info.elementCount) ?? 0
        self.data.withUnsafeBytes { raw in
            let start = self.dataStart + info.offset
            type.dequantize(UnsafeRawBufferPointer(rebasing: raw[start..<(start + bytes)]), into: destination)
        }
    }

    // MARK: - Metadata helpers

    /// The integer metadata value for `key`, or an error naming the key.
    public func int(_ key: String) throws(ModelFileError) -> Int {
        guard let value = self.metadata[key]?.intValue else {
            throw ModelFileError(file: self.path, item: key, "missing or not an integer")
        }
        return value
    }

    /// The floating-point metadata value for `key`, or an error naming the key.
    public func double(_ key: String) throws(ModelFileError) -> Double {
        guard let value = self.metadata[key]?.doubleValue else {
            throw ModelFileError(file: self.path, item: key, "missing or not a number")
        }
        return value
    }

    /// The string metadata value for `key`, or an error naming the key.
    public func string(_ key: String) throws(ModelFileError) -> String {
        guard let value = self.metadata[key]?.stringValue else {
            throw ModelFileError(file: self.path, item: key, "missing or not a string")
        }
        return value
    }

    /// The string-array metadata value for `key`, or an error naming the key.
    public func strings(_ key: String) throws(ModelFileError) -> [String] {
        guard let array = self.metadata[key]?.arrayValue else {
            throw ModelFileError(file: self.path, item: key, "missing or not an array")
        }
        var strings: [String] = []
        strings.reserveCapacity(array.count)
        for element in array {
            guard let s = element.stringValue else {
                throw ModelFileError(file: self.path, item: key, "expected an array of strings")
            }
            strings.append(s)
        }
        return strings
    }
}
