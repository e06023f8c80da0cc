import Foundation

@testable import RecData

// MARK: - Shared data

/// The shared datasets at `<repo root>/../shared/data`; tests that need them skip when the folder is absent.
/// A git worktree under `<repo root>/../wt/<name>` looks one folder further up.
enum SharedData {
    /// The first of `<root>/../shared/data` and `<root>/../../shared/data` that exists (the repo root found from this
    /// file's path), else the first.
    static let folder: String = {
        let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            root.deletingLastPathComponent(), root.deletingLastPathComponent().deletingLastPathComponent(),
        ]
        .map { $0.appendingPathComponent("shared/data").path }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }()

    /// Whether the shared data folder is present.
    static let available = FileManager.default.fileExists(atPath: SharedData.folder)

    /// A dataset sub-folder, e.g. "ml-100k".
    static func path(_ name: String) -> String { SharedData.folder + "/" + name }
}

// MARK: - Temporary fixture folders

/// A fresh temporary folder that test fixtures are written into; removed when the value is deinitialised.
final class FixtureFolder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("recdata-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        self.path = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    /// Writes a UTF-8 text file.
    func write(_ name: String, _ text: String) throws {
        try self.write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes (e.g. Latin-1 text).
    func write(_ name: String, bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: self.path).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
}
