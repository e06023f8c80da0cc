import ConfigKit

/// A box-bounded search space as a YAML file lists it: `parameters: {name: {low: L, high: H}, …}`.
///
/// A stand-in until the Search module's spaces are merged; only continuous ranges.
public struct SearchSpaceFile: Sendable, Equatable {
    /// One searched value and its closed range.
    public struct Range: Sendable, Equatable {
        public var name: String
        public var low: Double
        public var high: Double
    }

    /// The ranges, sorted by name.
    public var ranges: [Range]

    /// Reads `parameters`.
    /// - Throws: `ConfigError` for a missing or empty list, unknown keys, or `low >= high`.
    public init(_ root: ConfigSection) throws {
        let parameters = try root.section("parameters")
        self.ranges = try parameters.keys.sorted().map { name in
            let range = try parameters.section(name)
            let low = try range.double("low")
            let high = try range.double("high")
            guard low < high else {
                throw ConfigError.invalidValue(
                    key: range.keyPath("high"), value: "\(high)", allowed: "a number above low (\(low))")
            }
            return Range(name: name, low: low, high: high)
        }
        guard !self.ranges.isEmpty else {
            throw ConfigError.missingKey(key: "parameters", meaning: "at least one parameter with low and high")
        }
        try root.finish()
    }
}
