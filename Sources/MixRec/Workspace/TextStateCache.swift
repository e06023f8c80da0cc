import Backbone
import Foundation
import Tensor

/// Items' text states (``TextStates``) on disk, one file per ``TextStateKey`` (`<key name>.textstates`, written
/// atomically, checksummed; ``TextStates/write(to:key:)``), so that a process whose states another has computed
/// reads them instead of running the text pass (minutes and hundreds of megabytes on a large dataset).
///
/// A file that cannot be used (damaged, truncated, not a text state file, written for another key or of another
/// shape) is reported in the log, deleted and computed again; it is never used. The workspace keeps states in
/// memory for a process's lifetime; this is what outlives it.
public final class TextStateCache: Sendable {
    /// The folder of cached files (created on first store).
    public let directory: String
    private let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - directory: where states are kept across processes.
    ///   - log: receives one line per load, store and unusable file.
    public init(directory: String, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.directory = directory
        self.log = log
    }

    /// The path of `key`'s file.
    public func path(of key: TextStateKey) -> String {
        URL(fileURLWithPath: self.directory).appendingPathComponent("\(key.name).textstates").path
    }

    /// The states of `key`, which was made from `itemTokens`: read from its file when it holds usable ones, else
    /// computed by `compute` and stored there.
    public func states(
        for key: TextStateKey, itemTokens: [[Int]], compute: () -> TextStates
    ) -> TextStates {
        if let loaded = self.load(key, itemTokens: itemTokens) { return loaded }
        let states = compute()
        self.store(states, for: key)
        return states
    }

    /// The stored states of `key`; nil when there is no file or it is unusable (then deleted).
    func load(_ key: TextStateKey, itemTokens: [[Int]]) -> TextStates? {
        let path = self.path(of: key)
        guard FileManager.default.fileExists(atPath: path) else {
            self.log(
                "text states: none in \(self.directory) for this backbone, depth, item text and BLAS thread count "
                    + "(\(BLASRuntime.summary)); computing them")
            return nil
        }
        let started = Date()
        do {
            let states = try TextStates(readingFrom: path, key: key, itemTokens: itemTokens)
            let seconds = String(
                format: "%.1f s (%.0f MB)", Date().timeIntervalSince(started), Double(states.table.byteCount) / 1e6)
            self.log("text states: loaded from \(path) in \(seconds)")
            return states
        } catch {
            let removal = (try? FileManager.default.removeItem(atPath: path)) != nil ? "deleted" : "could not delete it"
            self.log("text states: \(path) is unusable (\(error)); \(removal), computing them again")
            return nil
        }
    }

    /// Writes `states`, computed for `key`, to its file.
    func store(_ states: TextStates, for key: TextStateKey) {
        let path = self.path(of: key)
        let started = Date()
        do {
            try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
            try states.write(to: path, key: key)
            let seconds = String(format: "%.1f s", Date().timeIntervalSince(started))
            self.log("text states: stored in \(path) in \(seconds)")
        } catch {
            // The process goes on with its states; only later processes lose them.
            self.log("text states: could not store them in \(path): \(error)")
        }
    }
}
