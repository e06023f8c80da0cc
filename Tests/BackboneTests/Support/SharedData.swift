import Foundation

/// Locates the project's shared data folder (`../shared` beside the repository, or `$MIXREC_SHARED`).
enum SharedData {
    /// The shared folder, if it exists.
    static let root: URL? = {
        if let override = ProcessInfo.processInfo.environment["MIXREC_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let shared = repository.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }()

    /// The SmolLM2-135M-Instruct Q4_1 GGUF file.
    static var smolLMPath: String? {
        guard let root = Self.root else { return nil }
        let path = root.appendingPathComponent("models/smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Whether the SmolLM2 model is available (tests that need it are skipped otherwise).
    static var modelAvailable: Bool { Self.smolLMPath != nil }
}

/// A scratch folder removed when the value is released.
final class ScratchFolder {
    let url: URL

    init() throws {
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("backbone-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { self.url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: self.url) }
}
