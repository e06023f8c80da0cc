/// One difference between two configurations, at a dotted key path (`study.budget`).
public struct ConfigChange: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// The old value, nil when the key is new.
    public var old: String?
    /// The new value, nil when the key was removed.
    public var new: String?

    public init(path: String, old: String?, new: String?) {
        self.path = path
        self.old = old
        self.new = new
    }

    /// `study.budget: 6 → 8`, `search.space.parameters.z.low: added 0`, `seed: removed 3`.
    public var description: String {
        switch (self.old, self.new) {
        case (let old?, let new?): "\(self.path): \(old) → \(new)"
        case (nil, let new?): "\(self.path): added \(new)"
        case (let old?, nil): "\(self.path): removed \(old)"
        case (nil, nil): "\(self.path): unchanged"
        }
    }
}

/// Differences between two configurations in ConfigKit's canonical text (`ConfigDocument.canonicalText`: one
/// `dotted.path = value` leaf per line).
public enum ConfigDiff {
    /// The changes from `old` to `new`, sorted by path.
    /// - Throws: `ConfigDiffError` if a non-empty line of either text is not `path = value`.
    public static func between(old: String, new: String) throws(ConfigDiffError) -> [ConfigChange] {
        let before = try self.leaves(old)
        let after = try self.leaves(new)
        return Set(before.keys).union(after.keys).sorted().compactMap { path in
            before[path] == after[path] ? nil : ConfigChange(path: path, old: before[path], new: after[path])
        }
    }

    private static func leaves(_ text: String) throws(ConfigDiffError) -> [String: String] {
        var leaves: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let separator = line.firstRange(of: " = ") else { throw ConfigDiffError(line: String(line)) }
            leaves[String(line[..<separator.lowerBound])] = String(line[separator.upperBound...])
        }
        return leaves
    }
}

/// A line of a configuration that is not `path = value`.
public struct ConfigDiffError: Error, Equatable, CustomStringConvertible {
    public var line: String
    public var description: String { "not a `path = value` line: \(self.line.prefix(80))" }
}
