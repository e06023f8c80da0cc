import ConfigKit

/// Everything that can be wrong with a search space, a configuration or a pruner setting.
///
/// Every case names the parameter (or field) at fault so that a user can fix the YAML file.
public enum SearchError: Error, Equatable, Sendable {
    /// A search file (`source`) does not read: not YAML, or a key missing, unknown or holding a value it cannot take.
    /// ConfigKit's error names the key by its dotted path (`parameters[2].low`), the value and what was expected;
    /// `parameter` names the parameter entry it is in, if any.
    case config(source: String, parameter: String?, ConfigError)
    /// A field has the wrong type or an unusable value.
    case invalidField(field: String, context: String, reason: String)
    /// Two parameters share a name.
    case duplicateParameter(String)
    /// The space declares no parameters.
    case emptySpace
    /// A parameter's bounds or choices are unusable.
    case invalidDomain(parameter: String, reason: String)
    /// A parameter's condition refers to an unknown, later or non-categorical parent, or to values it cannot take.
    case invalidCondition(parameter: String, reason: String)
    /// A configuration does not fit the space.
    case invalidConfiguration(parameter: String, reason: String)
    /// An optimizer or pruner setting is out of range.
    case invalidSetting(setting: String, reason: String)
}

// MARK: - CustomStringConvertible

extension SearchError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .config(let source, let parameter, let error):
            if case .syntax = error { return "\(error)" }  // it names the source itself
            return "\(source)\(parameter.map { ", parameter '\($0)'" } ?? ""): \(error)"
        case .invalidField(let field, let context, let reason):
            return "\(context): field '\(field)' \(reason)"
        case .duplicateParameter(let name):
            return "parameter '\(name)' is declared more than once"
        case .emptySpace:
            return "the search space declares no parameters"
        case .invalidDomain(let parameter, let reason):
            return "parameter '\(parameter)': \(reason)"
        case .invalidCondition(let parameter, let reason):
            return "parameter '\(parameter)': invalid condition: \(reason)"
        case .invalidConfiguration(let parameter, let reason):
            return "configuration: parameter '\(parameter)' \(reason)"
        case .invalidSetting(let setting, let reason):
            return "setting '\(setting)': \(reason)"
        }
    }
}
