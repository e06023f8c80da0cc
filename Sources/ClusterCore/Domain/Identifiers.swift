/// A worker's stable name (from its Hello), also its ROUTER identity.
public struct WorkerID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { self.rawValue }
    public static func < (lhs: WorkerID, rhs: WorkerID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What distinguishes one kind of serial number from another (and how it prints).
public protocol SerialNumberKind {
    /// Printed before the number: `#` for trials, `g` for groups.
    static var prefix: String { get }
}

/// A positive serial number of one kind; the kind keeps trial and group numbers from being mixed up.
public struct SerialNumber<Kind: SerialNumberKind>: Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public var description: String { "\(Kind.prefix)\(self.rawValue)" }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Trial numbers.
public enum TrialNumberKind: SerialNumberKind {
    public static let prefix = "#"
}

/// Group numbers.
public enum GroupNumberKind: SerialNumberKind {
    public static let prefix = "g"
}

/// A trial's number within its study, starting at 1.
public typealias TrialID = SerialNumber<TrialNumberKind>

/// A worker group's number, starting at 1; a group is dissolved when a member dies and never reused.
public typealias GroupID = SerialNumber<GroupNumberKind>

/// Named scalar metrics, e.g. `["valid/ndcg@10": 0.21, "train/loss": 3.9]`.
public typealias Metrics = [String: Double]
