import ClusterCore
import Foundation
import GRDB

/// One study's durable state: a SQLite database (`study.sqlite`, WAL mode, every commit synced) plus checkpoint
/// files, both in the study directory.
///
/// The coordinator opens it writable and is its only writer: a writable store holds the directory's
/// `coordinator.lock` (``StudyDirectoryLock``) while it lives, so a second one is refused with
/// `StudyStoreError.inUse`. `mixrec status` opens it with `openReadOnly`, which takes no lock and reads consistent
/// snapshots while the coordinator writes (WAL readers never block the writer or each other).
///
/// - Note: `Sendable` because `DatabasePool` serialises writes and gives every read its own snapshot.
public final class StudyStore: Sendable {
    /// The database's file name inside the study directory.
    public static let databaseFileName = "study.sqlite"

    /// The study directory.
    public let directory: URL
    /// True for stores opened with `openReadOnly`.
    public let isReadOnly: Bool
    let database: DatabasePool
    /// Held while a writable store lives (nil for read-only ones).
    private let lock: StudyDirectoryLock?

    /// Opens the study in `directory` for writing, creating the directory and database if needed and applying
    /// every migration not yet applied.
    /// - Parameter busyTimeout: how long a write waits for a lock another connection holds before it fails with
    ///   `SQLITE_BUSY` (the coordinator then retries the whole transition; see `CoordinatorSettings.storeRetry`).
    /// - Throws: `StudyStoreError.inUse` if another writable store (a running coordinator) holds the directory,
    ///   other `StudyStoreError`s if the directory cannot be created or the database opened or migrated.
    public convenience init(directory: URL, busyTimeout: Duration = StudyStore.defaultBusyTimeout)
        throws(StudyStoreError)
    {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "create directory", path: directory.path, errno: Self.errno(of: error))
        }
        try self.init(directory: directory, readOnly: false, busyTimeout: busyTimeout)
        try self.migrate(upTo: nil)
    }

    /// Opens an existing study for reading only (while a coordinator may be writing it).
    /// - Throws: `StudyStoreError` if there is no database or it cannot be opened.
    public static func openReadOnly(directory: URL) throws(StudyStoreError) -> StudyStore {
        try StudyStore(directory: directory, readOnly: true)
    }

    /// How long a write waits for another connection's lock unless told otherwise.
    public static let defaultBusyTimeout: Duration = .seconds(5)

    init(directory: URL, readOnly: Bool, busyTimeout: Duration = StudyStore.defaultBusyTimeout)
        throws(StudyStoreError)
    {
        self.directory = directory
        self.isReadOnly = readOnly
        self.lock = try readOnly ? nil : StudyDirectoryLock(directory: directory)
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(Double(busyTimeout.wholeMilliseconds) / 1000)
        // In WAL mode NORMAL (the default) lets the last commits roll back on power loss: FULL syncs every commit.
        configuration.prepareDatabase { database in try database.execute(sql: "PRAGMA synchronous = FULL") }
        let path = directory.appendingPathComponent(Self.databaseFileName).path
        do {
            self.database = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .database(operation: "open \(path)", message: "\(error)")
        }
    }

    // MARK: - Migrations

    /// Applies migrations up to `target` (nil: all of them). Tests use a target to build an older database.
    func migrate(upTo target: String?) throws(StudyStoreError) {
        do {
            if let target {
                try StudySchema.migrator.migrate(self.database, upTo: target)
            } else {
                try StudySchema.migrator.migrate(self.database)
            }
        } catch {
            throw .database(operation: "migrate", message: "\(error)")
        }
    }

    /// The identifiers of the applied migrations, oldest first.
    public func appliedMigrations() throws(StudyStoreError) -> [String] {
        try self.read("read migrations") { try StudySchema.migrator.appliedMigrations($0) }
    }

    // MARK: - Transactions with typed errors

    func write<T>(_ operation: String, _ updates: (Database) throws -> T) throws(StudyStoreError) -> T {
        try Self.translatingErrors(of: operation) { try self.database.write(updates) }
    }

    func read<T>(_ operation: String, _ value: (Database) throws -> T) throws(StudyStoreError) -> T {
        try Self.translatingErrors(of: operation) { try self.database.read(value) }
    }

    /// Runs `body`, turning GRDB's errors into `StudyStoreError.database` (store errors pass through).
    private static func translatingErrors<T>(of operation: String, _ body: () throws -> T) throws(StudyStoreError) -> T
    {
        do {
            return try body()
        } catch let error as StudyStoreError {
            throw error
        } catch {
            throw .database(operation: operation, message: "\(error)")
        }
    }

    static func errno(of error: any Error) -> Int32 {
        Int32((error as NSError).code)
    }
}
