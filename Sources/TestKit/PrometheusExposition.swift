/// A parser of the Prometheus text exposition format for tests: HELP/TYPE comments, samples with escaped labels.
/// It rejects what Prometheus would: samples of an undeclared family, duplicate TYPE lines, bad escapes. A
/// histogram's `_bucket`, `_sum` and `_count` samples belong to its family.
public struct PrometheusExposition {
    /// A family's HELP and TYPE.
    public struct Family {
        public var help: String?
        public var type: String?
    }

    /// One sample line.
    public struct Sample: Equatable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    /// A line Prometheus would reject.
    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(self.line): \(self.message)" }
    }

    /// Why one line is invalid.
    struct Problem: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// The families by name.
    public private(set) var families: [String: Family] = [:]
    /// The samples in order.
    public private(set) var samples: [Sample] = []

    /// Parses an exposition.
    /// - Throws: ``ParseError`` at the first line Prometheus would reject.
    public init(parsing text: String) throws {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            do {
                if line.hasPrefix("#") {
                    try self.comment(line)
                } else {
                    try self.sample(line)
                }
            } catch {
                throw ParseError(line: number + 1, message: "\(error.text): \(line)")
            }
        }
    }

    /// The value of the one sample with this name and exactly these labels.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = self.samples.filter { $0.name == name && $0.labels == labels }
        return matches.count == 1 ? matches[0].value : nil
    }

    private mutating func comment(_ line: Substring) throws(Problem) {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else { return }
        let name = String(parts[2])
        guard Self.isMetricName(name) else { throw Problem("bad metric name") }
        let rest = parts.count > 3 ? String(parts[3]) : ""
        if parts[1] == "TYPE" {
            guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                throw Problem("bad type")
            }
            guard self.families[name]?.type == nil else { throw Problem("second TYPE line") }
            guard !self.samples.contains(where: { $0.name == name }) else { throw Problem("TYPE after samples") }
            self.families[name, default: Family()].type = rest
        } else {
            guard self.families[name]?.help == nil else { throw Problem("second HELP line") }
            self.families[name, default: Family()].help = try Self.unescape(rest, quote: false)
        }
    }

    private mutating func sample(_ line: Substring) throws(Problem) {
        var rest = line[...]
        let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
        guard Self.isMetricName(name) else { throw Problem("bad metric name") }
        guard self.families[name]?.type != nil || Self.histogramFamily(of: name, in: self.families) != nil else {
            throw Problem("sample without TYPE")
        }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0 != "=" })
                guard Self.isMetricName(label), !label.contains(":") else { throw Problem("bad label name") }
                rest = rest.dropFirst(label.count + 1)
                guard rest.first == "\"" else { throw Problem("label value not quoted") }
                rest = rest.dropFirst()
                var raw = ""
                while let character = rest.first, character != "\"" {
                    raw.append(character)
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        raw.append(escaped)
                        rest = rest.dropFirst()
                    }
                }
                guard rest.first == "\"" else { throw Problem("unterminated label value") }
                rest = rest.dropFirst()
                guard labels[label] == nil else { throw Problem("duplicate label") }
                labels[label] = try Self.unescape(raw, quote: true)
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard fields.count == 1 || fields.count == 2, let value = Self.number(fields[0]) else {
            throw Problem("bad value")
        }
        self.samples.append(Sample(name: name, labels: labels, value: value))
    }

    /// The histogram family a `_bucket`, `_sum` or `_count` sample belongs to, if declared.
    private static func histogramFamily(of name: String, in families: [String: Family]) -> String? {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            if families[family]?.type == "histogram" { return family }
        }
        return nil
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    private static func unescape(_ text: String, quote: Bool) throws(Problem) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "\\": result.append("\\")
                case "n": result.append("\n")
                case "\"" where quote: result.append("\"")
                default: throw Problem("bad escape \\\(character)")
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                guard character != "\n", !(quote && character == "\"") else { throw Problem("unescaped character") }
                result.append(character)
            }
        }
        guard !escaping else { throw Problem("dangling backslash") }
        return result
    }
}
