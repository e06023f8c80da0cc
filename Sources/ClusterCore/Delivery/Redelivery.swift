/// Messages sent and not yet acknowledged, each re-sent with a doubling back-off until its `Ack` arrives, the sender
/// forgets it (the run it belongs to is over), or ``RedeliverySettings/giveUpAfter`` has passed since its first send.
///
/// Keyed by the envelope's sequence number, which a re-send keeps, so that the peer's `Ack` (`acked_sequence`)
/// names it whichever copy arrived. `Item` is whatever the sender needs to send it again (the message and its
/// frames) and to decide when to forget it. Pure: time comes in as arguments.
public struct Redelivery<Item: Sendable>: Sendable {
    public let settings: RedeliverySettings
    private var entries: [UInt64: Entry] = [:]

    private struct Entry: Sendable {
        var item: Item
        var firstSent: ClusterTime
        var nextSend: ClusterTime
        var delay: Duration
    }

    /// One message whose acknowledgement is overdue.
    public struct Due: Sendable {
        public var sequence: UInt64
        public var item: Item
        /// How long ago it was first sent.
        public var age: Duration
    }

    public init(settings: RedeliverySettings = RedeliverySettings()) {
        self.settings = settings
    }

    /// How many messages wait for their acknowledgement.
    public var count: Int { self.entries.count }

    /// The messages waiting for their acknowledgement, in sequence order.
    public var items: [Item] { self.entries.keys.sorted().compactMap { self.entries[$0]?.item } }

    /// The item of the message `sequence` if it waits for its acknowledgement.
    public subscript(sequence: UInt64) -> Item? { self.entries[sequence]?.item }

    /// Records that the message `sequence` was sent for the first time at `now`.
    public mutating func sent(_ sequence: UInt64, _ item: Item, now: ClusterTime) {
        self.entries[sequence] = Entry(
            item: item, firstSent: now, nextSend: now + self.settings.initialDelay, delay: self.settings.initialDelay)
    }

    /// The peer acknowledged `sequence`: it is not sent again.
    /// - Returns: its item, or nil if it was not waiting (acknowledged before, forgotten, or never sent).
    @discardableResult
    public mutating func acknowledged(_ sequence: UInt64) -> Item? {
        self.entries.removeValue(forKey: sequence)?.item
    }

    /// Stops re-sending every message whose item matches `predicate`.
    /// - Returns: how many were forgotten.
    @discardableResult
    public mutating func forget(where predicate: (Item) -> Bool) -> Int {
        let doomed = self.entries.filter { predicate($0.value.item) }.keys
        for sequence in doomed { self.entries[sequence] = nil }
        return doomed.count
    }

    /// The messages to send again now (their next re-send is scheduled after a doubled delay) and those given up on
    /// (forgotten), each in sequence order.
    public mutating func due(now: ClusterTime) -> (resend: [Due], givenUp: [Due]) {
        var resend: [Due] = []
        var givenUp: [Due] = []
        for sequence in self.entries.keys.sorted() {
            guard var entry = self.entries[sequence], now >= entry.nextSend else { continue }
            let due = Due(sequence: sequence, item: entry.item, age: now - entry.firstSent)
            if due.age >= self.settings.giveUpAfter {
                self.entries[sequence] = nil
                givenUp.append(due)
                continue
            }
            entry.delay = min(entry.delay * 2, self.settings.maximumDelay)
            entry.nextSend = now + entry.delay
            self.entries[sequence] = entry
            resend.append(due)
        }
        return (resend, givenUp)
    }
}
