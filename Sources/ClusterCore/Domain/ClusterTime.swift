/// A point in time for the state machines, in milliseconds since an origin the shell chooses (a monotonic clock
/// at start-up in production, 0 in tests). The state machines never read a clock themselves.
public struct ClusterTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the origin.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The origin.
    public static let zero = ClusterTime(milliseconds: 0)

    /// Seconds since the origin, for tests: `ClusterTime.seconds(3)`.
    public static func seconds(_ seconds: Double) -> ClusterTime {
        ClusterTime(milliseconds: Int64((seconds * 1000).rounded()))
    }

    public static func < (lhs: ClusterTime, rhs: ClusterTime) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The time `duration` later (sub-millisecond parts are dropped).
    public static func + (lhs: ClusterTime, rhs: Duration) -> ClusterTime {
        ClusterTime(milliseconds: lhs.milliseconds + rhs.wholeMilliseconds)
    }

    /// The duration from `rhs` to `lhs`.
    public static func - (lhs: ClusterTime, rhs: ClusterTime) -> Duration {
        .milliseconds(lhs.milliseconds - rhs.milliseconds)
    }

    public var description: String { "t=\(self.milliseconds)ms" }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// The duration in whole milliseconds, rounded toward zero.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
