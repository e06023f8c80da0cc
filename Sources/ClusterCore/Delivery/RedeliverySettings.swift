/// How a sender re-sends a message until the peer acknowledges it (see ``Redelivery``).
public struct RedeliverySettings: Sendable, Equatable {
    /// The wait before the first re-send.
    public var initialDelay: Duration
    /// The wait doubles after every re-send up to this.
    public var maximumDelay: Duration
    /// After this long without an acknowledgement (counted from the first send) the sender gives up.
    public var giveUpAfter: Duration

    /// The defaults: 1 s, doubling to at most 8 s, giving up after 2 minutes.
    public init(
        initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(8),
        giveUpAfter: Duration = .seconds(120)
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.giveUpAfter = giveUpAfter
    }

    /// What is wrong with these settings (nil if nothing): every duration positive, the maximum at least the
    /// initial delay.
    public var problem: String? {
        if self.initialDelay <= .zero { return "the first re-send delay must be positive, not \(self.initialDelay)" }
        if self.maximumDelay < self.initialDelay {
            return "the longest re-send delay (\(self.maximumDelay)) is shorter than the first (\(self.initialDelay))"
        }
        if self.giveUpAfter <= .zero { return "the give-up time must be positive, not \(self.giveUpAfter)" }
        return nil
    }
}
