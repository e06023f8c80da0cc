import Foundation

/// Writes the Prometheus text exposition format (version 0.0.4): a HELP and a TYPE line per family, then its
/// samples, with label values and help text escaped.
public struct PrometheusText {
    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A metric family's type.
    public enum Kind: String {
        case gauge, counter, histogram
    }

    /// The exposition so far.
    public private(set) var text = ""

    /// An empty exposition.
    public init() {}

    /// Starts a metric family; its samples follow with `sample`.
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        self.text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One unlabelled sample of the current family.
    public mutating func sample(_ name: String, _ value: Double) {
        self.sample(name, [], value)
    }

    /// One sample of the current family.
    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        self.text += name
        if !labels.isEmpty {
            self.text += "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        }
        self.text += " \(Self.format(value))\n"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Help text escapes backslash and line feed.
    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// A sample value: integers without a fraction, `NaN` and `±Inf` as the format spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
