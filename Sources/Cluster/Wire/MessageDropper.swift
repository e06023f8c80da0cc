import ClusterCore
import ClusterProto
import Randomness
import Synchronization

/// A test switch on a service's send path: drops chosen messages just before they would reach the socket, as a lossy
/// network would, so tests (and the chaos script) can exercise the acknowledgement and re-send protocol.
///
/// Set it as `WorkerSettings.sendFilter` or `CoordinatorSettings.sendFilter`; both are nil by default, and nil means
/// the send path is exactly what it is without this type. It can drop the next message(s) of a kind that match a
/// condition (`dropNext`), and a random fraction of every message from a seeded stream (`init(fraction:seed:)`), so a
/// failing run can be replayed. Thread safe: a test arms it from its own thread while the service sends.
public final class MessageDropper: Sendable {
    private struct Rule {
        var kind: String
        var remaining: Int
        var matches: @Sendable (WireEnvelope) -> Bool
    }

    private struct State {
        var rules: [Rule] = []
        var random: SplitMix64
        var dropped: [WireEnvelope] = []
    }

    /// The share of all messages dropped at random, in [0, 1].
    public let fraction: Double
    private let state: Mutex<State>

    /// A dropper that drops `fraction` of all messages at random (from a stream fixed by `seed`) and, besides, what
    /// `dropNext` asks for.
    /// - Throws: `MessageDropperError.fractionOutOfRange` unless `fraction` is in [0, 1].
    public init(fraction: Double = 0, seed: UInt64 = 0) throws(MessageDropperError) {
        guard fraction >= 0 && fraction <= 1 else { throw .fractionOutOfRange(fraction) }
        self.fraction = fraction
        self.state = Mutex(State(random: SplitMix64(seed: seed)))
    }

    /// Drops the next `count` messages of `kind` (`WireBody.kind`: "TrialResult", "CancelTrial", …) for which
    /// `matches` holds.
    public func dropNext(
        _ kind: String, count: Int = 1, where matches: @escaping @Sendable (WireEnvelope) -> Bool = { _ in true }
    ) {
        self.state.withLock { $0.rules.append(Rule(kind: kind, remaining: count, matches: matches)) }
    }

    /// Whether the service must not send `envelope`; records it if so.
    public func drops(_ envelope: WireEnvelope) -> Bool {
        self.state.withLock { state in
            let kind = envelope.body?.kind ?? ""
            var drop = false
            if let index = state.rules.firstIndex(where: { $0.kind == kind && $0.remaining > 0 && $0.matches(envelope) }
            ) {
                state.rules[index].remaining -= 1
                drop = true
            }
            if self.fraction > 0 && state.random.nextUnit() < self.fraction { drop = true }
            if drop { state.dropped.append(envelope) }
            return drop
        }
    }

    /// The messages dropped so far, oldest first.
    public var dropped: [WireEnvelope] { self.state.withLock { $0.dropped } }
}

/// Why a ``MessageDropper`` could not be made.
public enum MessageDropperError: Error, Equatable, CustomStringConvertible {
    /// The fraction of messages to drop is not in [0, 1].
    case fractionOutOfRange(Double)

    public var description: String {
        switch self {
        case .fractionOutOfRange(let fraction): "the fraction of messages to drop must be in [0, 1], not \(fraction)"
        }
    }
}
