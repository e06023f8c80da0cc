import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a large file in pieces, straight from memory, under MixRec's checksum scheme: the file ends with the
/// FNV-1a 64 (``FNV1a``) of every byte before it, as a little-endian `UInt64`, as parameter files do
/// (``ParameterFile``). The bytes go to a temporary file next to the destination, which ``commit()`` renames into
/// place: the destination is replaced atomically, never left half-written. Integers are little-endian; floats are
/// written as they are in memory (little-endian hosts only).
public final class ChecksummedFileWriter {
    /// The file being written.
    public let path: String
    private let temporary: String
    private let descriptor: Int32
    private var hash = FNV1a()
    private var closed = false

    /// Starts writing `path` (its folder must exist).
    /// - Throws: ``ChecksummedFileError/io(path:reason:)`` when the temporary file cannot be created.
    public init(path: String) throws(ChecksummedFileError) {
        precondition(UInt32(1).littleEndian == 1, "checksummed files store floats as little-endian memory")
        self.path = path
        self.temporary = "\(path).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).partial"
        self.descriptor = open(self.temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard self.descriptor >= 0 else { throw .io(path: self.temporary, reason: Self.lastError()) }
    }

    deinit {
        // An uncommitted file is abandoned: its temporary file goes.
        if !self.closed {
            close(self.descriptor)
            unlink(self.temporary)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(ChecksummedFileError) {
        self.hash.combine(bytes)
        try self.writeUnhashed(bytes)
    }

    /// Appends `bytes`.
    public func write(bytes: [UInt8]) throws(ChecksummedFileError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(ChecksummedFileError) in try self.write(raw) } }.get()
    }

    /// Appends the little-endian bytes of `integer`.
    public func write<Integer: FixedWidthInteger>(integer: Integer) throws(ChecksummedFileError) {
        var value = integer.littleEndian
        try withUnsafeBytes(of: &value) { (bytes) throws(ChecksummedFileError) in try self.write(bytes) }
    }

    /// Appends `tensor`'s elements as they are in memory (not its shape).
    public func write(tensor: Tensor) throws(ChecksummedFileError) {
        try self.write(UnsafeRawBufferPointer(start: tensor.pointer, count: tensor.count * MemoryLayout<Float>.size))
    }

    /// Appends the checksum and moves the file into place, replacing any file there.
    /// - Throws: ``ChecksummedFileError/io(path:reason:)`` when the file system refuses.
    public func commit() throws(ChecksummedFileError) {
        var checksum = self.hash.value.littleEndian
        try withUnsafeBytes(of: &checksum) { (bytes) throws(ChecksummedFileError) in try self.writeUnhashed(bytes) }
        self.closed = true
        guard close(self.descriptor) == 0 else {
            let reason = Self.lastError()
            unlink(self.temporary)
            throw .io(path: self.temporary, reason: reason)
        }
        guard rename(self.temporary, self.path) == 0 else {
            let reason = Self.lastError()
            unlink(self.temporary)
            throw .io(path: self.path, reason: reason)
        }
    }

    private func writeUnhashed(_ bytes: UnsafeRawBufferPointer) throws(ChecksummedFileError) {
        guard let base = bytes.baseAddress else { return }
        let written = try transfer(bytes.count, path: self.temporary) { done, left in
            systemWrite(self.descriptor, base + done, left)
        }
        guard written == bytes.count else { throw .io(path: self.temporary, reason: "no byte written") }
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}

/// Reads a file ``ChecksummedFileWriter`` wrote, in pieces, straight into memory, checking every length against the
/// file's size; ``finish()`` then checks the checksum, so that a reader uses what it read only after `finish()`.
public final class ChecksummedFileReader {
    /// The file being read.
    public let path: String
    /// The file's size in bytes, checksum included.
    public let size: Int
    private let descriptor: Int32
    private var hash = FNV1a()
    private var position = 0

    /// Opens `path`.
    /// - Throws: ``ChecksummedFileError/io(path:reason:)`` when it cannot be opened,
    ///   ``ChecksummedFileError/truncated(path:expectedAtLeast:actual:)`` when it cannot even hold a checksum.
    public init(path: String) throws(ChecksummedFileError) {
        precondition(UInt32(1).littleEndian == 1, "checksummed files store floats as little-endian memory")
        self.path = path
        self.descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard self.descriptor >= 0 else { throw .io(path: path, reason: ChecksummedFileWriter.lastError()) }
        var status = stat()
        guard fstat(self.descriptor, &status) == 0 else {
            let reason = ChecksummedFileWriter.lastError()
            close(self.descriptor)
            throw .io(path: path, reason: reason)
        }
        self.size = Int(status.st_size)
        guard self.size >= 8 else {
            close(self.descriptor)
            throw .truncated(path: path, expectedAtLeast: 8, actual: self.size)
        }
    }

    deinit {
        close(self.descriptor)
    }

    /// The bytes left before the checksum.
    public var remaining: Int { self.size - 8 - self.position }

    /// Fills `bytes` with the next bytes.
    /// - Throws: ``ChecksummedFileError/truncated(path:expectedAtLeast:actual:)`` when fewer remain.
    public func read(into bytes: UnsafeMutableRawBufferPointer) throws(ChecksummedFileError) {
        guard bytes.count <= self.remaining else {
            throw .truncated(path: self.path, expectedAtLeast: self.position + bytes.count + 8, actual: self.size)
        }
        try self.readUnhashed(into: bytes)
        self.hash.combine(UnsafeRawBufferPointer(bytes))
    }

    /// The next `count` bytes.
    public func read(count: Int) throws(ChecksummedFileError) -> [UInt8] {
        guard count <= self.remaining else {
            throw .truncated(path: self.path, expectedAtLeast: self.position + count + 8, actual: self.size)
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { raw in Result { () throws(ChecksummedFileError) in try self.read(into: raw) }
        }
        .get()
        return bytes
    }

    /// The next little-endian integer.
    public func read<Integer: FixedWidthInteger>(_: Integer.Type = Integer.self) throws(ChecksummedFileError)
        -> Integer
    {
        var value = Integer.zero
        try withUnsafeMutableBytes(of: &value) { (bytes) throws(ChecksummedFileError) in try self.read(into: bytes) }
        return Integer(littleEndian: value)
    }

    /// Fills `tensor`'s elements with the next floats.
    public func read(into tensor: Tensor) throws(ChecksummedFileError) {
        try self.read(
            into: UnsafeMutableRawBufferPointer(start: tensor.pointer, count: tensor.count * MemoryLayout<Float>.size))
    }

    /// Checks that every byte before the checksum was read and that the checksum matches them.
    /// - Throws: ``ChecksummedFileError/unexpectedBytes(path:count:)`` or
    ///   ``ChecksummedFileError/checksumMismatch(path:stored:computed:)``.
    public func finish() throws(ChecksummedFileError) {
        guard self.remaining == 0 else { throw .unexpectedBytes(path: self.path, count: self.remaining) }
        var stored: UInt64 = 0
        try withUnsafeMutableBytes(of: &stored) { (bytes) throws(ChecksummedFileError) in
            try self.readUnhashed(into: bytes)
        }
        let computed = self.hash.value
        guard UInt64(littleEndian: stored) == computed else {
            throw .checksumMismatch(path: self.path, stored: UInt64(littleEndian: stored), computed: computed)
        }
    }

    private func readUnhashed(into bytes: UnsafeMutableRawBufferPointer) throws(ChecksummedFileError) {
        guard let base = bytes.baseAddress else { return }
        let done = try transfer(bytes.count, path: self.path) { done, left in
            systemRead(self.descriptor, base + done, left)
        }
        self.position += done
        guard done == bytes.count else {
            throw .truncated(
                path: self.path, expectedAtLeast: self.position + bytes.count - done, actual: self.position)
        }
    }
}

/// Repeats `step(done, left)`, one `read(2)` or `write(2)` of the `left` bytes after the first `done`, until `count`
/// bytes are done or `step` returns 0 (the end of the file), retrying interrupted calls.
/// - Returns: the bytes done.
/// - Throws: ``ChecksummedFileError/io(path:reason:)`` when a call fails.
private func transfer(
    _ count: Int, path: String, _ step: (_ done: Int, _ left: Int) -> Int
) throws(ChecksummedFileError) -> Int {
    var done = 0
    while done < count {
        let result = step(done, count - done)
        if result < 0 && errno == EINTR { continue }
        guard result >= 0 else { throw .io(path: path, reason: ChecksummedFileWriter.lastError()) }
        guard result > 0 else { break }
        done += result
    }
    return done
}

/// `write(2)`, named apart from the writer's own `write` methods.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// `read(2)`, named apart from the reader's own `read` methods.
private func systemRead(_ descriptor: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, bytes, count)
}

/// Why a checksummed file could not be written or read.
public enum ChecksummedFileError: Error, Equatable, CustomStringConvertible {
    /// The file system refused.
    case io(path: String, reason: String)
    /// The file ends before the data a reader expects.
    case truncated(path: String, expectedAtLeast: Int, actual: Int)
    /// Bytes remain between the last expected byte and the checksum.
    case unexpectedBytes(path: String, count: Int)
    /// The stored checksum does not match the contents (corruption).
    case checksumMismatch(path: String, stored: UInt64, computed: UInt64)

    public var description: String {
        switch self {
        case .io(let path, let reason): "cannot access \(path): \(reason)"
        case .truncated(let path, let expected, let actual):
            "\(path) is truncated: needs at least \(expected) bytes, has \(actual)"
        case .unexpectedBytes(let path, let count): "\(path) has \(count) unexpected bytes before its checksum"
        case .checksumMismatch(let path, let stored, let computed):
            "\(path) is corrupted: checksum \(String(stored, radix: 16)) != computed \(String(computed, radix: 16))"
        }
    }
}
