import Foundation

/// The values a parameter can take.
public enum ParameterDomain: Hashable, Sendable {
    /// A real number in `[low, high]`; with `log`, sampled and modelled on a log scale (then `low > 0`).
    case float(low: Double, high: Double, log: Bool)
    /// An integer in `[low, high]`; with `log`, sampled and modelled on a log scale (then `low > 0`).
    case int(low: Int, high: Int, log: Bool)
    /// One of a list of unordered choices.
    case categorical([String])
}

/// A parameter exists only when `parent` (a categorical parameter declared earlier) takes one of `values`.
public struct Condition: Hashable, Sendable {
    /// The name of the categorical parent.
    public var parent: String
    /// The parent's choices under which the parameter is active.
    public var values: [String]

    public init(parent: String, values: [String]) {
        self.parent = parent
        self.values = values
    }
}

/// One dimension of a search space.
public struct Parameter: Hashable, Sendable {
    /// The unique name, e.g. `group0.rank`.
    public var name: String
    /// The values it can take.
    public var domain: ParameterDomain
    /// When set, the parameter is active only under this condition.
    public var condition: Condition?

    public init(name: String, domain: ParameterDomain, condition: Condition? = nil) {
        self.name = name
        self.domain = domain
        self.condition = condition
    }
}

// MARK: - Unit-cube mapping

extension Parameter {
    /// Maps a numeric value to `[0, 1]` (log parameters in log space). Categorical parameters return the choice
    /// index. Returns `nil` when the value does not fit the domain.
    func unitValue(of value: ParameterValue) -> Double? {
        switch self.domain {
        case .float(let low, let high, let log):
            guard let number = value.number, number >= low, number <= high else { return nil }
            return Self.toUnit(number, low: low, high: high, log: log)
        case .int(let low, let high, let log):
            guard let number = value.number, number == number.rounded(), number >= Double(low),
                number <= Double(high)
            else { return nil }
            return Self.toUnit(number, low: Double(low), high: Double(high), log: log)
        case .categorical(let choices):
            guard let choice = value.string, let index = choices.firstIndex(of: choice) else { return nil }
            return Double(index)
        }
    }

    /// The value at unit coordinate `unit` (clamped to `[0, 1]`); integers are rounded to the nearest allowed
    /// value. For categorical parameters `unit` is the choice index.
    func value(atUnit unit: Double) -> ParameterValue {
        let clamped = min(max(unit, 0), 1)
        switch self.domain {
        case .float(let low, let high, let log):
            return .double(min(max(Self.fromUnit(clamped, low: low, high: high, log: log), low), high))
        case .int(let low, let high, let log):
            let raw = Self.fromUnit(clamped, low: Double(low), high: Double(high), log: log)
            return .int(min(max(Int(raw.rounded()), low), high))
        case .categorical(let choices):
            let index = min(max(Int(unit.rounded()), 0), choices.count - 1)
            return .string(choices[index])
        }
    }

    /// Snaps a unit coordinate to the nearest representable one (integers to their grid).
    func snappedUnit(_ unit: Double) -> Double {
        switch self.domain {
        case .float: return min(max(unit, 0), 1)
        case .int, .categorical: return self.unitValue(of: self.value(atUnit: unit)) ?? 0
        }
    }

    /// `value` (already known to fit the domain) in the kind the domain declares.
    func normalisedKind(of value: ParameterValue) -> ParameterValue {
        switch self.domain {
        case .float: return value.number.map(ParameterValue.double) ?? value
        case .int: return value.number.map { .int(Int($0)) } ?? value
        case .categorical: return value
        }
    }

    /// The number of choices of a categorical parameter, otherwise `nil`.
    var choiceCount: Int? {
        if case .categorical(let choices) = self.domain { return choices.count }
        return nil
    }

    private static func toUnit(_ value: Double, low: Double, high: Double, log: Bool) -> Double {
        guard high > low else { return 0.5 }
        if log { return (Foundation.log(value) - Foundation.log(low)) / (Foundation.log(high) - Foundation.log(low)) }
        return (value - low) / (high - low)
    }

    private static func fromUnit(_ unit: Double, low: Double, high: Double, log: Bool) -> Double {
        if log { return Foundation.exp(Foundation.log(low) + unit * (Foundation.log(high) - Foundation.log(low))) }
        return low + unit * (high - low)
    }
}
