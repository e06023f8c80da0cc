import Foundation

/// One point of a search space: parameter name → value. Inactive conditional parameters are absent.
///
/// The canonical JSON form (`canonicalJSON`) has sorted keys and no whitespace, so equal configurations give
/// byte-identical text: suitable as a database key and for the wire.
public struct Configuration: Hashable, Sendable, Codable {
    /// The parameter values by name.
    public var values: [String: ParameterValue]

    /// Creates a configuration from name → value pairs.
    public init(_ values: [String: ParameterValue] = [:]) {
        self.values = values
    }

    /// The value of `name`, or `nil` when the parameter is absent (inactive).
    public subscript(name: String) -> ParameterValue? {
        get { self.values[name] }
        set { self.values[name] = newValue }
    }

    /// Decodes a configuration from a JSON object of scalars.
    public init(from decoder: any Decoder) throws {
        self.values = try decoder.singleValueContainer().decode([String: ParameterValue].self)
    }

    /// Encodes the configuration as a JSON object of scalars.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.values)
    }

    /// The stable JSON text: keys sorted, no whitespace.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a dictionary of scalars cannot fail; an empty object is the safe fallback.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses the JSON form produced by `canonicalJSON` (or any JSON object of scalars).
    /// - Throws: `SearchError.invalidField` when the text is not such an object.
    public init(json: String) throws(SearchError) {
        do {
            self = try JSONDecoder().decode(Configuration.self, from: Data(json.utf8))
        } catch {
            throw .invalidField(field: "configuration", context: "JSON", reason: "is not an object of scalars")
        }
    }
}

// MARK: - CustomStringConvertible

extension Configuration: CustomStringConvertible {
    /// `name=value` pairs sorted by name.
    public var description: String {
        self.values.keys.sorted().map { "\($0)=\(self.values[$0]?.description ?? "")" }.joined(separator: " ")
    }
}
