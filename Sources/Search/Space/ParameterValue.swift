import ConfigKit

/// The value of one parameter in a configuration: a real number, an integer or a categorical choice.
///
/// Numbers compare by value, so `.int(3) == .double(3)`: JSON does not keep the difference between `3` and `3.0`,
/// and a configuration read back from its canonical JSON must equal the original.
/// `SearchSpace.validate(_:)` restores the kind the space declares.
public enum ParameterValue: Sendable {
    case double(Double)
    case int(Int)
    case string(String)

    /// The numeric value, or `nil` for a categorical choice.
    public var number: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        case .string: return nil
        }
    }

    /// The categorical choice, or `nil` for a number.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

// MARK: - Equatable, Hashable

extension ParameterValue: Hashable {
    public static func == (lhs: ParameterValue, rhs: ParameterValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): return left == right
        case (.int(let left), .int(let right)): return left == right
        default:
            guard let left = lhs.number, let right = rhs.number else { return false }
            return left == right
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .string(let value): hasher.combine(value)
        case .double, .int: hasher.combine(self.number)
        }
    }
}

// MARK: - Codable

extension ParameterValue: Codable {
    /// Decodes a JSON scalar: integral numbers become `.int`, other numbers `.double`, strings `.string`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    /// Encodes the value as a plain JSON scalar.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .double(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}

// MARK: - CustomStringConvertible

extension ParameterValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .double(let value): return "\(value)"
        case .int(let value): return "\(value)"
        case .string(let value): return value
        }
    }
}

// MARK: - Config values

extension ConfigValue {
    /// A parameter's value as a config scalar of its text, taken as it is (a categorical `"x: y"` stays one string).
    public init(_ value: ParameterValue) {
        self = .scalar(value.description)
    }
}
