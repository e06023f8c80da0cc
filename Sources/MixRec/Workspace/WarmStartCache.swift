import Foundation
import Tensor

/// Collaborative warm starts by ``WarmStartKey``: kept in memory for the process's lifetime and, given a directory,
/// on disk as one file per key (`<key name>.warmstart`, written atomically, checksummed), so that consecutive
/// trials on a worker and a restarted worker skip a warm start already computed.
///
/// A file that cannot be used (damaged, written for another key, not fitting the model) is reported in the log,
/// deleted and computed again; it is never used. Thread-safe.
public final class WarmStartCache: @unchecked Sendable {
    /// The folder of cached files (nil: memory only).
    public let directory: String?
    private let lock = NSLock()
    private var entries: [WarmStartKey: WarmStart] = [:]
    private let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - directory: where warm starts are kept across processes (created on first store); nil keeps them in
    ///     memory only.
    ///   - log: receives one line per reuse, store and unusable file.
    public init(directory: String? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.directory = directory
        self.log = log
    }

    /// The path of `key`'s file (nil without a directory).
    public func path(of key: WarmStartKey) -> String? {
        self.directory.map { URL(fileURLWithPath: $0).appendingPathComponent("\(key.name).warmstart").path }
    }

    /// Puts the cached warm start of `key` into `model` and returns its reports, whose history protocol is
    /// `excludeHistory`; nil when there is none (the caller runs the warm start and ``store(_:for:)``s it).
    func restore(_ key: WarmStartKey, into model: CollaborativeModel, excludeHistory: Bool) -> StageReports? {
        if let cached = self.lock.withLock({ self.entries[key] }), (try? cached.apply(to: model)) != nil {
            self.log("collaborative warm start \(key.name): reused from memory")
            return cached.reports
        }
        guard let path = self.path(of: key), let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            let cached = try WarmStart(decoding: [UInt8](data), key: key, excludeHistory: excludeHistory)
            try cached.apply(to: model)
            self.lock.withLock { self.entries[key] = cached }
            self.log("collaborative warm start \(key.name): reused from \(path)")
            return cached.reports
        } catch {
            let removal = (try? FileManager.default.removeItem(atPath: path)) != nil ? "deleted" : "could not delete it"
            self.log(
                "collaborative warm start \(key.name): \(path) is unusable (\(error)); \(removal), computing it again")
            return nil
        }
    }

    /// Puts the warm start in `file` (one another process computed, as a coordinator ships it) into `model` and keeps
    /// it as the result of `key`; nil, with the reason logged, when the file was not written for `key` (other data,
    /// text features or BLAS settings), is damaged or does not fit the model: the caller then takes its own.
    func restore(
        received file: [UInt8], _ key: WarmStartKey, into model: CollaborativeModel, excludeHistory: Bool
    ) -> StageReports? {
        do {
            let received = try WarmStart(decoding: file, key: key, excludeHistory: excludeHistory)
            try received.apply(to: model)
            self.log("collaborative warm start \(key.name): received (\(file.count) bytes)")
            self.store(received, for: key)
            return received.reports
        } catch {
            self.log("collaborative warm start \(key.name): the one received is not used (\(error))")
            return nil
        }
    }

    /// The warm-start file of `key`'s result held in memory (what ``store(_:for:)`` writes); nil when none is.
    func file(of key: WarmStartKey) -> [UInt8]? {
        self.lock.withLock { self.entries[key] }?.encode(key: key)
    }

    /// Keeps `warmStart` as the result of `key`, in memory and, with a directory, in its file.
    func store(_ warmStart: WarmStart, for key: WarmStartKey) {
        self.lock.withLock { self.entries[key] = warmStart }
        guard let directory = self.directory, let path = self.path(of: key) else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(warmStart.encode(key: key)).write(to: URL(fileURLWithPath: path), options: .atomic)
            self.log("collaborative warm start \(key.name): stored in \(path)")
        } catch {
            // The run goes on with its result; only later runs lose it.
            self.log("collaborative warm start \(key.name): could not store it in \(path): \(error)")
        }
    }
}
