import Foundation

/// A strict reader of one mapping in a config: typed accessors with defaults and range checks, and
/// ``finish()``, which rejects keys nobody read (typos) with a suggestion.
///
/// Sections are read once, front to back, by the code that builds a config struct; they are not shared.
public final class ConfigSection {
    /// The dotted path of this mapping ("" for the document root).
    public let path: String
    private let pairs: [(key: String, value: ConfigValue)]
    private var readKeys: Set<String> = []
    private var children: [ConfigSection] = []

    init(path: String, value: ConfigValue) {
        self.path = path
        if case .mapping(let pairs) = value { self.pairs = pairs } else { self.pairs = [] }
    }

    /// The keys of this mapping, in file order.
    public var keys: [String] {
        self.pairs.map(\.key)
    }

    /// Whether the mapping has `key`.
    public func contains(_ key: String) -> Bool {
        self.pairs.contains { $0.key == key }
    }

    /// The dotted path of `key` inside this section.
    public func keyPath(_ key: String) -> String {
        self.path.isEmpty ? key : "\(self.path).\(key)"
    }

    private func take(_ key: String) -> ConfigValue? {
        self.readKeys.insert(key)
        return self.pairs.last(where: { $0.key == key })?.value
    }

    private func scalar(_ key: String, expected: String) throws -> String? {
        guard let value = self.take(key) else { return nil }
        guard case .scalar(let text) = value else {
            throw ConfigError.invalidValue(key: self.keyPath(key), value: value.kindDescription, allowed: expected)
        }
        return text
    }

    // MARK: - Scalars

    /// A string; `allowed` restricts it to a fixed set.
    public func string(_ key: String, default defaultValue: String? = nil, allowed: [String]? = nil) throws -> String {
        let expectation = allowed.map { "one of " + $0.joined(separator: ", ") } ?? "a string"
        guard let text = try self.scalar(key, expected: expectation) ?? defaultValue else {
            throw ConfigError.missingKey(key: self.keyPath(key), meaning: expectation)
        }
        if let allowed, !allowed.contains(text) {
            throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: expectation)
        }
        return text
    }

    /// An optional string: nil when absent or empty.
    public func optionalString(_ key: String) throws -> String? {
        guard let text = try self.scalar(key, expected: "a string"), !text.isEmpty else { return nil }
        return text
    }

    /// One case of a string-backed enum.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: Choice) throws
        -> Choice
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        let text = try self.string(key, default: defaultValue.rawValue, allowed: names)
        guard let choice = Choice(rawValue: text) else {
            throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: names.joined(separator: ", "))
        }
        return choice
    }

    /// An integer in `min...max`.
    public func int(_ key: String, default defaultValue: Int? = nil, min: Int = .min, max: Int = .max) throws -> Int {
        let expectation = Self.rangeDescription("an integer", min: min, max: max)
        guard let text = try self.scalar(key, expected: expectation) else {
            guard let defaultValue else { throw ConfigError.missingKey(key: self.keyPath(key), meaning: expectation) }
            return defaultValue
        }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value >= min, value <= max else {
            throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: expectation)
        }
        return value
    }

    /// A finite number in `min...max`.
    public func double(
        _ key: String, default defaultValue: Double? = nil, min: Double = -.greatestFiniteMagnitude,
        max: Double = .greatestFiniteMagnitude
    ) throws -> Double {
        let expectation = Self.rangeDescription("a number", min: min, max: max)
        guard let text = try self.scalar(key, expected: expectation) else {
            guard let defaultValue else { throw ConfigError.missingKey(key: self.keyPath(key), meaning: expectation) }
            return defaultValue
        }
        guard let value = Double(text), value.isFinite, value >= min, value <= max else {
            throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: expectation)
        }
        return value
    }

    /// A boolean (`true`/`false`, `yes`/`no`, `on`/`off`).
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let text = try self.scalar(key, expected: "true or false") else { return defaultValue }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: "true or false")
        }
    }

    // MARK: - Lists and nested mappings

    /// A list of strings (a single value counts as a list of one).
    public func strings(_ key: String, default defaultValue: [String]) throws -> [String] {
        guard let value = self.take(key) else { return defaultValue }
        switch value {
        case .scalar(let text): return text.isEmpty ? [] : [text]
        case .list(let items):
            return try items.map { item in
                guard case .scalar(let text) = item else {
                    throw ConfigError.invalidValue(
                        key: self.keyPath(key), value: item.kindDescription, allowed: "a list of strings")
                }
                return text
            }
        case .mapping:
            throw ConfigError.invalidValue(key: self.keyPath(key), value: "a mapping", allowed: "a list of strings")
        }
    }

    /// A list of integers in `min...max`.
    public func ints(_ key: String, default defaultValue: [Int], min: Int = .min, max: Int = .max) throws -> [Int] {
        let expectation = Self.rangeDescription("a list of integers", min: min, max: max)
        return try self.strings(key, default: defaultValue.map(String.init)).map { text in
            guard let value = Int(text), value >= min, value <= max else {
                throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: expectation)
            }
            return value
        }
    }

    /// A list of finite numbers in `min...max`.
    public func doubles(
        _ key: String, default defaultValue: [Double], min: Double = -.greatestFiniteMagnitude,
        max: Double = .greatestFiniteMagnitude
    ) throws -> [Double] {
        let expectation = Self.rangeDescription("a list of numbers", min: min, max: max)
        return try self.strings(key, default: defaultValue.map { "\($0)" }).map { text in
            guard let value = Double(text), value.isFinite, value >= min, value <= max else {
                throw ConfigError.invalidValue(key: self.keyPath(key), value: text, allowed: expectation)
            }
            return value
        }
    }

    /// The nested mapping under `key`; an absent key gives an empty section (every key at its default).
    public func section(_ key: String) throws -> ConfigSection {
        let value = self.take(key) ?? .mapping([])
        switch value {
        case .mapping: break
        case .scalar(let text) where text.isEmpty: break
        default:
            throw ConfigError.invalidValue(key: self.keyPath(key), value: value.kindDescription, allowed: "a mapping")
        }
        let child = ConfigSection(path: self.keyPath(key), value: value)
        self.children.append(child)
        return child
    }

    /// A list of mappings under `key`, or nil when the key is absent.
    public func sections(_ key: String) throws -> [ConfigSection]? {
        guard let value = self.take(key) else { return nil }
        guard case .list(let items) = value else {
            throw ConfigError.invalidValue(
                key: self.keyPath(key), value: value.kindDescription, allowed: "a list of mappings")
        }
        return try items.enumerated().map { index, item in
            guard case .mapping = item else {
                throw ConfigError.invalidValue(
                    key: "\(self.keyPath(key))[\(index)]", value: item.kindDescription, allowed: "a mapping")
            }
            let child = ConfigSection(path: "\(self.keyPath(key))[\(index)]", value: item)
            self.children.append(child)
            return child
        }
    }

    // MARK: - Unknown keys

    /// Throws ``ConfigError/unknownKey(key:suggestion:)`` for the first key, here or in any section read from
    /// this one, that no accessor asked for.
    public func finish() throws {
        for (key, _) in self.pairs where !self.readKeys.contains(key) {
            throw ConfigError.unknownKey(
                key: self.keyPath(key), suggestion: self.suggestion(for: key, among: self.readKeys))
        }
        for child in self.children { try child.finish() }
    }

    /// Throws ``ConfigError/unknownKey(key:suggestion:)`` for the first key not in `allowed`, before any is read:
    /// for a mapping whose keys depend on one of its values (a parameter's `type`), so that a misspelt key is
    /// reported as such, not as the key it stands for being missing.
    public func expectOnly(_ allowed: Set<String>) throws {
        for (key, _) in self.pairs where !allowed.contains(key) {
            throw ConfigError.unknownKey(key: self.keyPath(key), suggestion: self.suggestion(for: key, among: allowed))
        }
    }

    /// The path of the key of `known` closest to `key`, if close enough to be a typo of it.
    private func suggestion(for key: String, among known: Set<String>) -> String? {
        known.min { editDistance($0, key) < editDistance($1, key) }
            .flatMap { editDistance($0, key) <= max(2, key.count / 3) ? self.keyPath($0) : nil }
    }

    private static func rangeDescription(_ noun: String, min: Int, max: Int) -> String {
        Self.describe(noun, min: min == .min ? nil : "\(min)", max: max == .max ? nil : "\(max)")
    }

    private static func rangeDescription(_ noun: String, min: Double, max: Double) -> String {
        let limit = Double.greatestFiniteMagnitude
        return Self.describe(noun, min: min == -limit ? nil : "\(min)", max: max == limit ? nil : "\(max)")
    }

    private static func describe(_ noun: String, min: String?, max: String?) -> String {
        switch (min, max) {
        case (nil, nil): return noun
        case (let low?, nil): return "\(noun) >= \(low)"
        case (nil, let high?): return "\(noun) <= \(high)"
        case (let low?, let high?): return "\(noun) from \(low) to \(high)"
        }
    }
}

/// Levenshtein distance between two short strings.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
