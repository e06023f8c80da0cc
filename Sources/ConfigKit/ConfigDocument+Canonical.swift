import Foundation

/// Reading a document back from its canonical lines (``ConfigValue/canonicalLines``), e.g. a config stored with a
/// study.
extension ConfigDocument {
    /// The document whose canonical lines are `lines` (in any order). Mappings come out with sorted keys; a scalar
    /// written as `{}` or `[]` comes back as an empty mapping or list.
    /// - Throws: `ConfigError.syntax` naming the line when the lines are not the canonical form of one document.
    public init(canonicalLines lines: [String], source: String) throws {
        self.source = source
        var leaves: [(path: [PathStep], text: String)] = []
        for line in lines {
            guard let separator = line.range(of: " = "), let path = PathStep.parse(line[..<separator.lowerBound])
            else {
                throw ConfigError.syntax(source: source, message: "'\(line)' is not a canonical `path = value` line")
            }
            leaves.append((path, String(line[separator.upperBound...])))
        }
        let value = try Self.tree(leaves[...], source: source)
        guard case .mapping = value, value.canonicalLines == lines.sorted() else {
            throw ConfigError.syntax(source: source, message: "the lines are not the canonical form of a document")
        }
        self.value = value
    }

    /// One step of a canonical path: a mapping key or a list index.
    private enum PathStep: Hashable {
        case key(String)
        case index(Int)

        /// `a.b[0].c` as `[.key(a), .key(b), .index(0), .key(c)]`; nil when malformed.
        static func parse(_ text: Substring) -> [PathStep]? {
            var steps: [PathStep] = []
            for part in text.split(separator: ".", omittingEmptySubsequences: false) {
                let pieces = part.split(separator: "[", omittingEmptySubsequences: false)
                guard let name = pieces.first, !name.isEmpty else { return nil }
                steps.append(.key(String(name)))
                for piece in pieces.dropFirst() {
                    guard piece.hasSuffix("]"), let index = Int(piece.dropLast()), index >= 0 else { return nil }
                    steps.append(.index(index))
                }
            }
            return steps
        }
    }

    /// The value holding `leaves`, whose paths are relative to it.
    private static func tree(_ leaves: ArraySlice<(path: [PathStep], text: String)>, source: String) throws
        -> ConfigValue
    {
        if let leaf = leaves.first, leaf.path.isEmpty {
            guard leaves.count == 1 else {
                throw ConfigError.syntax(source: source, message: "a value and keys under it at once: \(leaf.text)")
            }
            switch leaf.text {
            case "{}": return .mapping([])
            case "[]": return .list([])
            default: return .scalar(leaf.text)
            }
        }
        var order: [PathStep] = []
        var children: [PathStep: [(path: [PathStep], text: String)]] = [:]
        for leaf in leaves {
            let step = leaf.path[0]
            if children[step] == nil { order.append(step) }
            children[step, default: []].append((Array(leaf.path.dropFirst()), leaf.text))
        }
        let keys = order.compactMap { step -> String? in if case .key(let key) = step { key } else { nil } }
        if keys.count == order.count {
            return .mapping(try keys.map { ($0, try Self.tree(children[.key($0), default: []][...], source: source)) })
        }
        let count = order.count
        guard keys.isEmpty, (0..<count).allSatisfy({ children[.index($0)] != nil }) else {
            throw ConfigError.syntax(source: source, message: "keys and list items mixed, or a list with gaps")
        }
        return .list(try (0..<count).map { try Self.tree(children[.index($0), default: []][...], source: source) })
    }
}
