import Foundation

/// Locates the read-only `shared/` folder beside the repository (datasets and the default model) for tests.
///
/// Tests that need it skip with a message when it is absent; CI has it. `$MIXREC_SHARED` overrides the location.
public enum SharedData {
    /// The shared folder: `$MIXREC_SHARED`, else the first existing `shared` folder beside the repository or one
    /// level further up (a git worktree in `../wt/NAME`).
    public static let root: URL? = {
        if let override = ProcessInfo.processInfo.environment["MIXREC_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            repository.deletingLastPathComponent(), repository.deletingLastPathComponent().deletingLastPathComponent(),
        ]
        .map { $0.appendingPathComponent("shared") }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("data").path) }
    }()

    /// The shared datasets folder (`shared/data`); a path that does not exist when the folder is absent.
    public static var dataFolder: String {
        (Self.root ?? URL(fileURLWithPath: "/nonexistent/shared")).appendingPathComponent("data").path
    }

    /// Whether the shared datasets are present.
    public static var available: Bool {
        FileManager.default.fileExists(atPath: Self.dataFolder)
    }

    /// A dataset folder, e.g. `dataPath("ml-100k")`.
    public static func dataPath(_ name: String) -> String {
        Self.dataFolder + "/" + name
    }

    /// The SmolLM2-135M-Instruct Q4_1 GGUF file, when present.
    public static var smolLMPath: String? {
        guard let root = Self.root else { return nil }
        let path = root.appendingPathComponent("models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Whether the SmolLM2 model is present.
    public static var modelAvailable: Bool {
        Self.smolLMPath != nil
    }
}

/// A fresh temporary folder for a test's files, removed when the value is released.
public final class ScratchFolder {
    /// The folder.
    public let url: URL

    /// Creates the folder under the system's temporary directory.
    public init() throws {
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("mixrec-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: self.url)
    }

    /// The folder's path.
    public var path: String {
        self.url.path
    }

    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String {
        self.url.appendingPathComponent(name).path
    }

    /// Writes a UTF-8 text file (creating sub-folders).
    public func write(_ name: String, _ text: String) throws {
        try self.write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes (e.g. Latin-1 text), creating sub-folders.
    public func write(_ name: String, bytes: [UInt8]) throws {
        let file = self.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
    }
}
