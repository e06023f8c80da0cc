import ConfigKit
import Search

/// Reading back the search file stored with a study (its `search.space.` lines).
extension StudyConfig {
    /// The search file of a stored study: space, direction, optimizer and pruner; nil when the study stores none.
    /// - Throws: `ConfigError` when the stored lines do not make a document, `SearchError` when it is not a valid
    ///   search file.
    public static func searchConfig(inCanonicalText text: String) throws -> SearchConfig? {
        let lines = self.lines(under: "search.space.", inCanonicalText: text)
        guard !lines.isEmpty else { return nil }
        let document = try ConfigDocument(canonicalLines: lines, source: "the study's search file")
        return try SearchConfig(parsed: Self.parsed(document.value, textOnly: false))
    }

    /// Keys whose values are names, kept as text whatever they look like: a choice `"on"` or `"1.50"` must not
    /// become a boolean or a number (canonical lines do not keep the file's quotes).
    private static let textKeys: Set<String> = ["name", "type", "choices", "parameter", "in", "direction", "kind"]

    /// `value` as a YAML parser gives it: scalars under `textKeys` as text, others as a boolean (`true`, `false`),
    /// an integer or a real number when they read as one, else text.
    private static func parsed(_ value: ConfigValue, textOnly: Bool) -> Any {
        switch value {
        case .mapping(let pairs):
            return Dictionary(
                pairs.map { ($0.key, Self.parsed($0.value, textOnly: Self.textKeys.contains($0.key))) },
                uniquingKeysWith: { $1 })
        case .list(let items):
            return items.map { Self.parsed($0, textOnly: textOnly) }
        case .scalar(let text):
            if textOnly { return text }
            if text == "true" || text == "false" { return text == "true" }
            if let integer = Int(text) { return integer }
            if let real = Double(text) { return real }
            return text
        }
    }
}
