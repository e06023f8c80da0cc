import Foundation

/// An exclusive `flock` on `coordinator.lock` in a study directory, which holds the PID of the process that took
/// it: a study has one writer at a time.
///
/// The kernel drops the lock when the descriptor closes, on `deinit` or when the process dies (even by SIGKILL),
/// so a killed coordinator leaves the file with its old PID but no stale lock.
final class StudyDirectoryLock: Sendable {
    /// The lock file's name inside the study directory.
    static let fileName = "coordinator.lock"

    private let descriptor: Int32

    /// Takes the lock without waiting and writes this process's PID into the file.
    /// - Throws: `StudyStoreError.inUse` with the holder's PID if another open store holds the lock, `.io` if the
    ///   file cannot be opened, locked or written.
    init(directory: URL) throws(StudyStoreError) {
        let path = directory.appendingPathComponent(Self.fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.pid(in: descriptor)
            close(descriptor)
            guard code == EWOULDBLOCK else { throw .io(operation: "lock", path: path, errno: code) }
            throw .inUse(directory: directory.path, lockFile: path, pid: holder)
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, text, text.count, 0) == text.count else {
            let code = errno
            close(descriptor)
            throw .io(operation: "write the PID into", path: path, errno: code)
        }
        self.descriptor = descriptor
    }

    deinit {
        close(self.descriptor)
    }

    /// The PID the holder wrote; nil while it has not written it yet.
    private static func pid(in descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        return Int32(
            String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
