import Foundation

/// One difference between two JSON configurations, at a dotted key path (`search.budget`).
public struct ConfigChange: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// The old value as JSON text, nil when the key is new.
    public var old: String?
    /// The new value as JSON text, nil when the key was removed.
    public var new: String?

    public init(path: String, old: String?, new: String?) {
        self.path = path
        self.old = old
        self.new = new
    }

    /// `budget: 6 → 8`, `space.lr: added 0.1`, `seed: removed 3`.
    public var description: String {
        switch (self.old, self.new) {
        case (let old?, let new?): "\(self.path): \(old) → \(new)"
        case (nil, let new?): "\(self.path): added \(new)"
        case (let old?, nil): "\(self.path): removed \(old)"
        case (nil, nil): "\(self.path): unchanged"
        }
    }
}

/// Differences between two JSON objects, key by key (objects are walked, arrays and scalars compared whole).
public enum ConfigDiff {
    /// The changes from `old` to `new`, sorted by path.
    /// - Throws: `ConfigDiffError` if either text is not a JSON object.
    public static func between(old: String, new: String) throws(ConfigDiffError) -> [ConfigChange] {
        let before = try self.flatten(old)
        let after = try self.flatten(new)
        return Set(before.keys).union(after.keys).sorted().compactMap { path in
            before[path] == after[path] ? nil : ConfigChange(path: path, old: before[path], new: after[path])
        }
    }

    private static func flatten(_ json: String) throws(ConfigDiffError) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ConfigDiffError(text: json)
        }
        var flat: [String: String] = [:]
        self.walk(object, prefix: "", into: &flat)
        return flat
    }

    private static func walk(_ object: [String: Any], prefix: String, into flat: inout [String: String]) {
        for (key, value) in object {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: Any] {
                self.walk(nested, prefix: path, into: &flat)
            } else {
                let data = try? JSONSerialization.data(
                    withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
                flat[path] = data.map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            }
        }
    }
}

/// A configuration that is not a JSON object.
public struct ConfigDiffError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var description: String { "not a JSON object: \(self.text.prefix(80))" }
}
