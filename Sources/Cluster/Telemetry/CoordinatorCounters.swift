/// The coordinator's message counters by name and label, continuing the totals stored by earlier runs of the
/// study; changed ones are written back to the study database in batches.
public struct CoordinatorCounters: Sendable {
    /// Messages received, by kind (`Heartbeat`, …; `undecodable` for ones that did not decode).
    public static let received = "received"
    /// Messages sent, by kind.
    public static let sent = "sent"
    /// Messages answered with an `Error`, by error code.
    public static let rejected = "rejected"
    /// Peer connections by event (`closed`): a closed connection may be a frame above `ZMQ_MAXMSGSIZE`, which
    /// libzmq drops without telling the application (see cluster/README.md, "Message sizes").
    public static let connections = "connections"

    private var values: [String: [String: Int64]] = [:]
    private var changed: Set<[String]> = []

    /// Counters starting from the stored totals.
    public init(stored: [CoordinatorCounterRecord] = []) {
        for record in stored { self.values[record.name, default: [:]][record.label] = record.value }
    }

    /// Adds one to the counter `name` with `label`.
    public mutating func increment(_ name: String, _ label: String) {
        self.values[name, default: [:]][label, default: 0] += 1
        self.changed.insert([name, label])
    }

    /// The current value of a counter (0 if it never counted).
    public func value(_ name: String, _ label: String) -> Int64 {
        self.values[name]?[label] ?? 0
    }

    /// The counters changed since the last call, to store.
    public mutating func takeChanges() -> [CoordinatorCounterRecord] {
        defer { self.changed.removeAll(keepingCapacity: true) }
        return self.changed.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            CoordinatorCounterRecord(name: key[0], label: key[1], value: self.value(key[0], key[1]))
        }
    }

    /// Marks counters taken by `takeChanges` as changed again (their write failed).
    public mutating func markChanged(_ records: [CoordinatorCounterRecord]) {
        for record in records { self.changed.insert([record.name, record.label]) }
    }
}
