/// Why a config could not be read. Every case names the key by its dotted path.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    /// The text is not valid YAML.
    case syntax(source: String, message: String)
    /// A key has a value outside what is allowed.
    case invalidValue(key: String, value: String, allowed: String)
    /// A key the reader does not know (probably a typo); `suggestion` is the closest known key.
    case unknownKey(key: String, suggestion: String?)
    /// A key that must be given is missing.
    case missingKey(key: String, meaning: String)
    /// A `--set` override is not of the form `dotted.key=value` (or a key set in a document has an empty part).
    case badOverride(String)

    public var description: String {
        switch self {
        case .syntax(let source, let message):
            return "\(source): not valid YAML: \(message)"
        case .invalidValue(let key, let value, let allowed):
            return "config key '\(key)': '\(value)' is not allowed; expected \(allowed)"
        case .unknownKey(let key, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "config key '\(key)' is not known\(hint); see configs/README.md"
        case .missingKey(let key, let meaning):
            return "config key '\(key)' is required: \(meaning)"
        case .badOverride(let text):
            return "override '\(text)' must look like dotted.key=value, e.g. train.epochs=5"
        }
    }
}
