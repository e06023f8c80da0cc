import Logging
import Synchronization

/// A `Logger` whose records are kept, for tests that check what was logged.
final class CapturedLog: Sendable {
    /// One logged record: its level and message, with the metadata rendered as `key=value` words.
    struct Record: Sendable {
        var level: Logger.Level
        var text: String
    }

    let records = Mutex<[Record]>([])

    /// A logger writing into this capture.
    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    /// The records at `level`.
    func texts(at level: Logger.Level) -> [String] {
        self.records.withLock { $0.filter { $0.level == level }.map(\.text) }
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let words = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let record = Record(level: event.level, text: ([event.message.description] + words).joined(separator: " "))
            self.log.records.withLock { $0.append(record) }
        }
    }
}
