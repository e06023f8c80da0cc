import Backbone
import Tensor

/// Text states in a file of their own (``TextStateCache``), written and read straight from and into the states'
/// buffers. All integers are little-endian, floats are `Float32`:
///
/// | field | bytes |
/// |---|---|
/// | magic `MIXRECTS` (ASCII) | 8 |
/// | format version, `UInt32` (currently 1) | 4 |
/// | the key's text (``TextStateKey/text``): length `UInt32`, UTF-8 | … |
/// | items N, rows R (text tokens of all items), width D, key width K, first and end layer: `UInt64` each | 48 |
/// | the mean state entering the first layer `[D]`, every item's mean final state `[N, D]` | 4·D·(N+1) |
/// | per layer, first to last: keys `[R, K]`, then values `[R, K]` | 8·R·K per layer |
/// | checksum: FNV-1a 64 of every byte before it, `UInt64` (as in parameter files) | 8 |
extension TextStates {
    static let fileMagic = Array("MIXRECTS".utf8)
    static let fileVersion: UInt32 = 1

    /// Writes the states, computed for `key`, to `path` (replacing it atomically).
    /// - Throws: ``ChecksummedFileError`` when the file system refuses.
    func write(to path: String, key: TextStateKey) throws(ChecksummedFileError) {
        let file = try ChecksummedFileWriter(path: path)
        try file.write(bytes: Self.fileMagic)
        try file.write(integer: Self.fileVersion)
        let keyBytes = Array(key.text.utf8)
        try file.write(integer: UInt32(keyBytes.count))
        try file.write(bytes: keyBytes)
        for dimension in Self.fileShape(key: key, itemTokens: self.tokens) { try file.write(integer: dimension) }
        let meanState = Tensor(self.meanState, shape: [self.meanState.count])
        for tensor in [meanState, self.table.meanStates]
            + zip(self.table.keys, self.table.values).flatMap({ [$0, $1] })
        {
            try file.write(tensor: tensor)
        }
        try file.commit()
    }

    /// Reads the states of `key` and `itemTokens` (the tokens `key` was made from) that ``write(to:key:)`` stored
    /// in `path`, straight into their buffers.
    /// - Throws: ``TextStateFileError`` when the file is damaged (a checksum or length that does not match), not a
    ///   text state file, written for another key, or holds states of another shape.
    init(readingFrom path: String, key: TextStateKey, itemTokens: [[Int]]) throws(TextStateFileError) {
        let file = try Self.reading { () throws(ChecksummedFileError) in try ChecksummedFileReader(path: path) }
        guard
            try Self.reading({ () throws(ChecksummedFileError) in try file.read(count: Self.fileMagic.count) })
                == Self.fileMagic
        else { throw .notATextStateFile }
        let version = try Self.reading { () throws(ChecksummedFileError) in try file.read(UInt32.self) }
        guard version == Self.fileVersion else { throw .unsupportedVersion(version) }
        let expectedKey = Array(key.text.utf8)
        let keyLength = try Self.reading { () throws(ChecksummedFileError) in try file.read(UInt32.self) }
        guard keyLength == expectedKey.count,
            try Self.reading({ () throws(ChecksummedFileError) in try file.read(count: expectedKey.count) })
                == expectedKey
        else { throw .otherKey }
        let expected = Self.fileShape(key: key, itemTokens: itemTokens)
        let stored = try Self.reading { () throws(ChecksummedFileError) in
            try expected.map { _ throws(ChecksummedFileError) in try file.read(UInt64.self) }
        }
        guard stored == expected else { throw .otherShape(expected: expected, found: stored) }
        self = try Self.reading { () throws(ChecksummedFileError) in
            try Self.readStates(from: file, key: key, itemTokens: itemTokens)
        }
    }

    /// Reads the floats after the header, then checks the checksum.
    private static func readStates(
        from file: ChecksummedFileReader, key: TextStateKey, itemTokens: [[Int]]
    ) throws(ChecksummedFileError) -> TextStates {
        func tensor(_ shape: [Int]) throws(ChecksummedFileError) -> Tensor {
            let result = Tensor.uninitialized(shape: shape)
            try file.read(into: result)
            return result
        }
        let meanState = try tensor([key.width])
        let meanStates = try tensor([itemTokens.count, key.width])
        let rows = itemTokens.reduce(0) { $0 + $1.count }
        var keys: [Tensor] = []
        var values: [Tensor] = []
        for _ in key.layers {
            keys.append(try tensor([rows, key.keyWidth]))
            values.append(try tensor([rows, key.keyWidth]))
        }
        try file.finish()
        let table = SpanKeyValueTable(
            layers: key.layers, keys: keys, values: values, lengths: itemTokens.map(\.count), meanStates: meanStates)
        return TextStates(table: table, meanState: meanState.scalars, tokens: itemTokens)
    }

    /// `body`'s result, its file errors as ``TextStateFileError/unreadable(_:)``.
    private static func reading<Result>(
        _ body: () throws(ChecksummedFileError) -> Result
    ) throws(TextStateFileError) -> Result {
        do { return try body() } catch { throw .unreadable(error) }
    }

    /// The shape fields of a file for `key`: items, rows, width, key width, first and end layer.
    private static func fileShape(key: TextStateKey, itemTokens: [[Int]]) -> [UInt64] {
        [itemTokens.count, itemTokens.reduce(0) { $0 + $1.count }, key.width, key.keyWidth].map(UInt64.init)
            + [UInt64(key.layers.lowerBound), UInt64(key.layers.upperBound)]
    }
}

/// Why a text state file could not be used.
enum TextStateFileError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read to its end, or its checksum does not match (damaged or truncated).
    case unreadable(ChecksummedFileError)
    /// The file does not start with the `MIXRECTS` magic.
    case notATextStateFile
    /// The file was written by a format version this build does not read.
    case unsupportedVersion(UInt32)
    /// The file was written for another key (two keys whose file names collide).
    case otherKey
    /// The file's shape fields (items, rows, width, key width, layers) differ from the key's.
    case otherShape(expected: [UInt64], found: [UInt64])

    var description: String {
        switch self {
        case .unreadable(let error): "\(error)"
        case .notATextStateFile: "it is not a text state file (bad magic)"
        case .unsupportedVersion(let version): "it has the unsupported format version \(version)"
        case .otherKey: "it was written for another key"
        case .otherShape(let expected, let found):
            "it holds states of shape \(found) (items, rows, width, key width, layers), expected \(expected)"
        }
    }
}
