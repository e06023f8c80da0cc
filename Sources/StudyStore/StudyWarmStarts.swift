import Foundation
import Tensor

/// The study's shared collaborative warm starts: one file per name, `<study-dir>/warm-starts/<name>.warmstart`,
/// holding the bytes the worker that computed it uploaded (a MixRec warm-start file: a parameter file with its own
/// checksum, whose `key` entry is the full key workers check before using it).
///
/// Every file is checked when it is read (the parameter file's checksum, that it decodes, that it has a key): a
/// damaged one is reported through `log`, deleted and treated as missing, so the next trial that needs it computes
/// and uploads it again; it is never shipped. Files are written atomically (``AtomicFile``).
public final class StudyWarmStarts {
    /// The folder of warm-start files inside the study directory.
    static let folder = "warm-starts"
    /// The file name suffix.
    static let suffix = ".warmstart"

    /// `<study-dir>/warm-starts`.
    public let directory: URL
    private let log: (String) -> Void

    /// The warm starts of the study in `studyDirectory` (the folder is created on the first write).
    /// - Parameter log: receives one line per damaged file (what is wrong with it, and that it was deleted).
    public init(studyDirectory: URL, log: @escaping (String) -> Void) {
        self.directory = studyDirectory.appendingPathComponent(Self.folder)
        self.log = log
    }

    /// The names of the intact files; damaged ones (and partial writes left by a crash) are deleted.
    public func intactNames() -> Set<String> {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: self.directory.path)) ?? []
        var names = Set<String>()
        for file in files {
            if file.hasSuffix(AtomicFile.partialSuffix) {
                try? FileManager.default.removeItem(at: self.directory.appendingPathComponent(file))
            } else if file.hasSuffix(Self.suffix) {
                let name = String(file.dropLast(Self.suffix.count))
                if self.read(name) != nil { names.insert(name) }
            }
        }
        return names
    }

    /// The intact file of `name`; nil when there is none (a damaged one is reported and deleted).
    public func read(_ name: String) -> [UInt8]? {
        let url = self.url(of: name)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let bytes = [UInt8](data)
        if let problem = Self.problem(of: bytes) {
            let removal = (try? FileManager.default.removeItem(at: url)) != nil ? "deleted" : "could not delete it"
            self.log(
                "shared warm start \(name): \(url.path) is damaged (\(problem)); \(removal), it will be computed again")
            return nil
        }
        return bytes
    }

    /// Stores `bytes` as the file of `name`, atomically, once they are checked.
    /// - Throws: ``StudyWarmStartError`` when the bytes are not an intact warm-start file or cannot be written.
    public func write(_ bytes: [UInt8], name: String) throws(StudyWarmStartError) {
        if let problem = Self.problem(of: bytes) { throw .damaged(problem) }
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(
                .io(operation: "create directory", path: self.directory.path, errno: StudyStore.errno(of: error)))
        }
        do { try AtomicFile.write(bytes, to: self.url(of: name)) } catch { throw .unwritable(error) }
    }

    /// `<study-dir>/warm-starts/<name>.warmstart`.
    public func url(of name: String) -> URL {
        self.directory.appendingPathComponent(name + Self.suffix)
    }

    /// What is wrong with a warm-start file (nil: nothing): a parameter file that does not decode (checksum,
    /// length, format) or has no `key` entry.
    static func problem(of bytes: [UInt8]) -> String? {
        do {
            let entries = try ParameterFile.decode(bytes)
            return entries["key"] == nil ? "it has no key" : nil
        } catch {
            return "\(error)"
        }
    }
}

/// Why an uploaded warm start was not stored.
public enum StudyWarmStartError: Error, CustomStringConvertible {
    /// The bytes are not an intact warm-start file.
    case damaged(String)
    /// The file could not be written.
    case unwritable(StudyStoreError)

    public var description: String {
        switch self {
        case .damaged(let problem): "not an intact warm-start file: \(problem)"
        case .unwritable(let error): "\(error)"
        }
    }
}
