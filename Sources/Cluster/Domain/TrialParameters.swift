import Foundation

/// One value of a trial's configuration.
public enum ParameterValue: Hashable, Sendable, Codable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}

/// A trial's configuration: the searched (or hand-picked) values by name.
public struct TrialParameters: Hashable, Sendable, Codable {
    /// The values by name.
    public var values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        self.values = try [String: ParameterValue](from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try self.values.encode(to: encoder)
    }

    /// Canonical JSON: sorted keys, no whitespace, so equal configurations give equal strings (and hashes).
    public func canonicalJSON() -> String {
        CanonicalJSON.encode(self)
    }

    /// Parses a JSON object of scalars.
    /// - Throws: `DecodingError` if `json` is not an object of numbers, strings and booleans.
    public static func parse(json: String) throws -> TrialParameters {
        try JSONDecoder().decode(TrialParameters.self, from: Data(json.utf8))
    }
}
