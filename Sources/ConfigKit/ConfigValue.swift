/// A config value as written in YAML: a scalar (kept as its text), a mapping with ordered keys, or a list.
public indirect enum ConfigValue: Sendable, Equatable {
    case scalar(String)
    case mapping([(key: String, value: ConfigValue)])
    case list([ConfigValue])

    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.mapping(let a), .mapping(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value under `key` when this is a mapping.
    public subscript(key: String) -> ConfigValue? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.last(where: { $0.key == key })?.value
    }

    /// A short description of the value's kind, for error messages.
    var kindDescription: String {
        switch self {
        case .scalar: return "a single value"
        case .mapping: return "a mapping"
        case .list: return "a list"
        }
    }

    /// The value on one line, as YAML's flow style writes it (`a`, `[a, b]`, `{k: v}`), for error messages.
    var flowText: String {
        switch self {
        case .scalar(let text): return text
        case .list(let items): return "[\(items.map(\.flowText).joined(separator: ", "))]"
        case .mapping(let pairs): return "{\(pairs.map { "\($0.key): \($0.value.flowText)" }.joined(separator: ", "))}"
        }
    }

    /// Returns a copy with `value` stored at `path`, creating intermediate mappings as needed.
    func setting(_ value: ConfigValue, at path: ArraySlice<String>) -> ConfigValue? {
        guard let key = path.first else { return value }
        var pairs: [(key: String, value: ConfigValue)]
        switch self {
        case .mapping(let existing): pairs = existing
        case .scalar(let text) where text.isEmpty: pairs = []
        default: return nil
        }
        let rest = path.dropFirst()
        if let index = pairs.lastIndex(where: { $0.key == key }) {
            guard let updated = pairs[index].value.setting(value, at: rest) else { return nil }
            pairs[index].value = updated
        } else {
            guard let created = ConfigValue.mapping([]).setting(value, at: rest) else { return nil }
            pairs.append((key, created))
        }
        return .mapping(pairs)
    }
}

// MARK: - Canonical form

extension ConfigValue {
    /// Every leaf as `dotted.path = value`, sorted by path: a stable form for hashing and for readable diffs.
    ///
    /// List items appear as `path[i]`; an empty mapping or list appears as `{}` or `[]`.
    public var canonicalLines: [String] {
        var lines: [String] = []
        self.appendLines(prefix: "", into: &lines)
        return lines.sorted()
    }

    private func appendLines(prefix: String, into lines: inout [String]) {
        switch self {
        case .scalar(let text):
            lines.append("\(prefix) = \(text)")
        case .list(let items):
            if items.isEmpty { lines.append("\(prefix) = []") }
            for (index, item) in items.enumerated() {
                item.appendLines(prefix: "\(prefix)[\(index)]", into: &lines)
            }
        case .mapping(let pairs):
            if pairs.isEmpty { lines.append("\(prefix) = {}") }
            for (key, value) in pairs {
                value.appendLines(prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &lines)
            }
        }
    }
}
