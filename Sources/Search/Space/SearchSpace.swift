/// An ordered list of parameters, validated on creation: unique names, usable bounds, conditions that refer to
/// earlier categorical parameters and to choices they have.
///
/// Order matters only for determinism: every loop over parameters follows it.
public struct SearchSpace: Hashable, Sendable {
    /// The parameters, parents before their conditional children.
    public let parameters: [Parameter]
    private let indexByName: [String: Int]

    /// Creates and validates a space.
    /// - Throws: `SearchError` naming the first parameter at fault.
    public init(parameters: [Parameter]) throws(SearchError) {
        guard !parameters.isEmpty else { throw .emptySpace }
        var indexByName: [String: Int] = [:]
        for (index, parameter) in parameters.enumerated() {
            guard !parameter.name.isEmpty else {
                throw .invalidField(field: "name", context: "parameter #\(index + 1)", reason: "is empty")
            }
            guard indexByName[parameter.name] == nil else { throw .duplicateParameter(parameter.name) }
            try Self.validateDomain(of: parameter)
            if let condition = parameter.condition {
                try Self.validate(condition, of: parameter.name, parameters: parameters, known: indexByName)
            }
            indexByName[parameter.name] = index
        }
        self.parameters = parameters
        self.indexByName = indexByName
    }

    /// The parameter called `name`, if any.
    public func parameter(named name: String) -> Parameter? {
        self.indexByName[name].map { self.parameters[$0] }
    }

    /// The position of `name` in `parameters`.
    func index(of name: String) -> Int? { self.indexByName[name] }

    /// Whether `parameter` is active given the values chosen so far (its ancestors must already be present).
    public func isActive(_ parameter: Parameter, in configuration: Configuration) -> Bool {
        guard let condition = parameter.condition else { return true }
        guard let parentValue = configuration[condition.parent]?.string else { return false }
        return condition.values.contains(parentValue)
    }

    /// Checks a configuration against the space and returns it with every value in the kind its parameter declares
    /// (`.int` for integers, `.double` for floats).
    /// - Throws: `SearchError.invalidConfiguration` naming the parameter: a missing active value, an inactive value
    ///   that is present, an out-of-range value or an unknown name.
    public func validate(_ configuration: Configuration) throws(SearchError) -> Configuration {
        for name in configuration.values.keys.sorted() where self.indexByName[name] == nil {
            throw .invalidConfiguration(parameter: name, reason: "is not in the search space")
        }
        var result = Configuration()
        for parameter in self.parameters {
            let value = configuration[parameter.name]
            guard self.isActive(parameter, in: result) else {
                if value != nil {
                    throw .invalidConfiguration(
                        parameter: parameter.name, reason: "is set but its condition is not met")
                }
                continue
            }
            guard let value else { throw .invalidConfiguration(parameter: parameter.name, reason: "is missing") }
            guard parameter.unitValue(of: value) != nil else {
                throw .invalidConfiguration(parameter: parameter.name, reason: "has value \(value) outside its domain")
            }
            result[parameter.name] = parameter.normalisedKind(of: value)
        }
        return result
    }

    // MARK: - Validation helpers

    private static func validateDomain(of parameter: Parameter) throws(SearchError) {
        let name = parameter.name
        switch parameter.domain {
        case .float(let low, let high, let log):
            guard low.isFinite, high.isFinite else {
                throw .invalidDomain(parameter: name, reason: "bounds must be finite")
            }
            guard low < high else {
                throw .invalidDomain(parameter: name, reason: "low (\(low)) must be below high (\(high))")
            }
            if log, low <= 0 { throw .invalidDomain(parameter: name, reason: "a log scale needs low > 0, got \(low)") }
        case .int(let low, let high, let log):
            guard low <= high else {
                throw .invalidDomain(parameter: name, reason: "low (\(low)) must not exceed high (\(high))")
            }
            if log, low <= 0 { throw .invalidDomain(parameter: name, reason: "a log scale needs low > 0, got \(low)") }
        case .categorical(let choices):
            guard !choices.isEmpty else { throw .invalidDomain(parameter: name, reason: "needs at least one choice") }
            guard Set(choices).count == choices.count else {
                throw .invalidDomain(parameter: name, reason: "choices must be distinct")
            }
        }
    }

    private static func validate(
        _ condition: Condition, of name: String, parameters: [Parameter], known: [String: Int]
    ) throws(SearchError) {
        guard condition.parent != name else { throw .invalidCondition(parameter: name, reason: "refers to itself") }
        guard let parentIndex = known[condition.parent] else {
            throw .invalidCondition(
                parameter: name, reason: "parent '\(condition.parent)' must be declared before this parameter")
        }
        guard case .categorical(let choices) = parameters[parentIndex].domain else {
            throw .invalidCondition(parameter: name, reason: "parent '\(condition.parent)' must be categorical")
        }
        guard !condition.values.isEmpty else {
            throw .invalidCondition(parameter: name, reason: "lists no values of '\(condition.parent)'")
        }
        for value in condition.values where !choices.contains(value) {
            throw .invalidCondition(parameter: name, reason: "'\(condition.parent)' has no choice '\(value)'")
        }
    }
}
