import Foundation
import Search

/// An operator's request to a running (or next) coordinator of a study.
public enum StudyRequest: Codable, Equatable, Sendable {
    /// Run this hand-picked configuration before any further proposal, with `seeds` seeds (nil: one; older
    /// request files have none).
    case enqueue(Configuration, seeds: Int? = nil)
    /// Stop a trial for good.
    case cancel(trial: UInt64, reason: String)
    /// Stop the coordinator cleanly (the study is STOPPED and continues at the next start).
    case stop
}

/// Requests from `mixrec enqueue`, `mixrec cancel` and `mixrec stop` to the coordinator, as files in
/// `<study>/inbox/`, so the coordinator stays the database's only writer.
///
/// Each request is written atomically as its own JSON file; the coordinator takes them in name (time) order and
/// deletes each one only after acting on it, so a crash in between repeats a request rather than losing it.
public struct StudyInbox: Sendable {
    /// The inbox folder.
    public let folder: URL

    /// The inbox of the study in `studyDirectory`.
    public init(studyDirectory: URL) {
        self.folder = studyDirectory.appendingPathComponent("inbox")
    }

    /// Leaves a request for the coordinator.
    /// - Throws: `StudyStoreError.io` if the file cannot be written.
    public func submit(_ request: StudyRequest, now: Date = Date()) throws(StudyStoreError) {
        do {
            try FileManager.default.createDirectory(at: self.folder, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "create directory", path: self.folder.path, errno: StudyStore.errno(of: error))
        }
        let name = String(format: "%015.0f-", now.timeIntervalSince1970 * 1000) + UUID().uuidString + ".json"
        try AtomicFile.write(Array(CanonicalJSON.encode(request).utf8), to: self.folder.appendingPathComponent(name))
    }

    /// The largest request file read: requests are a few hundred bytes, so anything near this is not one.
    static let maxRequestBytes = 64 * 1024

    /// The waiting requests, oldest first, each with the file to `remove` once it has been acted on.
    /// Files that are not valid requests (undecodable, not a regular file, e.g. a symbolic link, or larger than
    /// ``maxRequestBytes``) are returned as `.failure` so the caller can log and remove them.
    public func pending() -> [(file: URL, request: Result<StudyRequest, StudyInboxError>)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: self.folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let file = self.folder.appendingPathComponent(name)
            let request = Result { () throws(StudyInboxError) in
                let bytes = try Self.readRequestFile(file.path, name: name)
                guard let request = try? JSONDecoder().decode(StudyRequest.self, from: Data(bytes)) else {
                    throw StudyInboxError(file: name, reason: "not a valid request")
                }
                return request
            }
            return (file, request)
        }
    }

    /// The bytes of one request file, opened without following a symbolic link and read only up to the limit.
    private static func readRequestFile(_ path: String, name: String) throws(StudyInboxError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StudyInboxError(
                file: name, reason: "cannot be opened as a file (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw StudyInboxError(file: name, reason: "not a regular file")
        }
        // Read at most one byte past the limit: that byte says the file is too large.
        var bytes = [UInt8](repeating: 0, count: Self.maxRequestBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            guard got >= 0 else { throw StudyInboxError(file: name, reason: "unreadable") }
            if got == 0 { break }
            count += got
        }
        guard count <= Self.maxRequestBytes else {
            throw StudyInboxError(file: name, reason: "larger than \(Self.maxRequestBytes) bytes")
        }
        return Array(bytes.prefix(count))
    }

    /// Deletes a request file that has been acted on.
    public func remove(_ file: URL) {
        try? FileManager.default.removeItem(at: file)
    }
}

/// A request file that is not a valid request.
public struct StudyInboxError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// What is wrong with it.
    public var reason: String
    public var description: String { "inbox file \(self.file): \(self.reason)" }
}
