import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Crash-safe whole-file writes: the bytes go to `<name>.partial`, are flushed to disk, and only then renamed over
/// `<name>` (and the directory flushed), so a reader sees either the old file or the complete new one.
enum AtomicFile {
    /// Suffix of files being written; any left over after a crash are garbage.
    static let partialSuffix = ".partial"

    /// Writes `bytes` to `url` atomically.
    /// - Throws: `StudyStoreError.io` naming the failed call.
    static func write(_ bytes: [UInt8], to url: URL) throws(StudyStoreError) {
        let path = url.path
        let partial = path + self.partialSuffix
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: partial, errno: errno) }
        var failure: StudyStoreError?
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .io(operation: "write", path: partial, errno: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = .io(operation: "fsync", path: partial, errno: errno) }
        close(fd)
        if let failure {
            unlink(partial)
            throw failure
        }
        guard rename(partial, path) == 0 else {
            let code = errno
            unlink(partial)
            throw .io(operation: "rename", path: partial, errno: code)
        }
        try self.syncDirectory(url.deletingLastPathComponent())
    }

    /// Reads a whole file.
    /// - Throws: `StudyStoreError.io` (`ENOENT` when it does not exist).
    static func read(_ url: URL) throws(StudyStoreError) -> [UInt8] {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Flushes a directory entry change (the rename) to disk.
    private static func syncDirectory(_ directory: URL) throws(StudyStoreError) {
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open directory", path: directory.path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(operation: "fsync directory", path: directory.path, errno: errno) }
    }
}
