/// The trial kinds a process knows, by name (`objective.kind`), in the order they were added: what
/// ``StudyConfig/init(contentsOf:kinds:)`` accepts. The CLI adds its kinds to ``builtIn`` at start-up; tests add
/// theirs.
public struct TrialKinds: Sendable {
    /// The kinds, in the order they were added.
    public private(set) var kinds: [any TrialKind] = []

    /// The kinds of `Cluster` itself: ``SyntheticTrialKind``.
    public static let builtIn = TrialKinds().adding(SyntheticTrialKind())

    /// No kinds.
    public init() {}

    /// These kinds and `kind`, which replaces a kind of the same name.
    public func adding(_ kind: any TrialKind) -> TrialKinds {
        var kinds = self
        kinds.kinds.removeAll { $0.name == kind.name }
        kinds.kinds.append(kind)
        return kinds
    }

    /// The kinds' names, in the order they were added.
    public var names: [String] { self.kinds.map(\.name) }

    /// The kind named `name`, if known.
    public subscript(name: String) -> (any TrialKind)? {
        self.kinds.first { $0.name == name }
    }
}
