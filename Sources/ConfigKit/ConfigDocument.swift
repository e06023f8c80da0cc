import Foundation
import Yams

/// A whole config file as a tree of ``ConfigValue``s, with `--set key=value` overrides applied on top.
///
/// Read it through ``root`` (a ``ConfigSection``), which checks types and ranges and reports unknown keys.
public struct ConfigDocument: Sendable, Equatable {
    /// The tree, overrides included.
    public internal(set) var value: ConfigValue
    /// Where the text came from (a file path or a description), for error messages.
    public let source: String

    /// Parses YAML text. An empty document is an empty mapping.
    public init(yaml text: String, source: String = "config") throws {
        self.source = source
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError.syntax(source: source, message: "\(error)")
        }
        guard let node else {
            self.value = .mapping([])
            return
        }
        let value = try Self.convert(node, path: "", source: source)
        guard case .mapping = value else {
            throw ConfigError.syntax(source: source, message: "the top level must be a mapping of keys to values")
        }
        self.value = value
    }

    /// Reads and parses a YAML file.
    public init(contentsOf path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError.syntax(source: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(yaml: text, source: path)
    }

    /// Applies an override `dotted.key=value`: the value is parsed as YAML (`[a, b]` is a list, `5` a number), then
    /// set as ``set(_:to:)`` does.
    public mutating func override(_ assignment: String) throws {
        guard let equals = assignment.firstIndex(of: "=") else { throw ConfigError.badOverride(assignment) }
        let key = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
        guard Self.path(key) != nil else { throw ConfigError.badOverride(assignment) }
        let text = String(assignment[assignment.index(after: equals)...])
        let parsed: ConfigValue
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            parsed = .scalar("")
        } else {
            let node: Node?
            do {
                node = try Yams.compose(yaml: text)
            } catch {
                throw ConfigError.invalidValue(key: key, value: text, allowed: "a YAML value")
            }
            parsed = try node.map { try Self.convert($0, path: key, source: "--set \(key)") } ?? .scalar("")
        }
        try self.set(key, to: parsed)
    }

    /// Stores `value` as it is at the dotted `key`, creating the mappings on its way and replacing what was there.
    /// - Throws: `ConfigError.badOverride(key)` for an empty key or key part, `invalidValue` when the way passes
    ///   through a value that is not a mapping.
    public mutating func set(_ key: String, to value: ConfigValue) throws {
        guard let path = Self.path(key) else { throw ConfigError.badOverride(key) }
        guard let updated = self.value.setting(value, at: path[...]) else {
            throw ConfigError.invalidValue(key: key, value: value.flowText, allowed: "a key inside a mapping")
        }
        self.value = updated
    }

    /// The parts of a dotted key; nil when it or a part is empty.
    private static func path(_ key: String) -> [String]? {
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return key.isEmpty || path.contains(where: \.isEmpty) ? nil : path
    }

    /// A strict reader for the whole document.
    public var root: ConfigSection {
        ConfigSection(path: "", value: self.value)
    }

    /// The canonical text of the document (see ``ConfigValue/canonicalLines``), one leaf per line.
    public var canonicalText: String {
        self.value.canonicalLines.joined(separator: "\n")
    }

    // MARK: - YAML to ConfigValue

    private static func convert(_ node: Node, path: String, source: String) throws -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string)
        case .sequence(let sequence):
            return .list(try sequence.map { try self.convert($0, path: path, source: source) })
        case .mapping(let mapping):
            var pairs: [(key: String, value: ConfigValue)] = []
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else {
                    throw ConfigError.syntax(source: source, message: "a key under '\(path)' is not a plain name")
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if pairs.contains(where: { $0.key == key }) {
                    throw ConfigError.syntax(source: source, message: "key '\(childPath)' is given twice")
                }
                pairs.append((key, try self.convert(valueNode, path: childPath, source: source)))
            }
            return .mapping(pairs)
        case .alias:
            throw ConfigError.syntax(source: source, message: "aliases are not supported (at '\(path)')")
        }
    }
}
