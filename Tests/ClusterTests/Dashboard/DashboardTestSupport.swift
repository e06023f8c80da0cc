import Foundation

/// Any JSON value, to compare endpoint output with the database without trusting the server's types.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// The SVG plots of a page: each `<svg … data-plot="KIND">` with the `data-trial` ids of its `mark` elements.
struct SVGMarks {
    private var plots: [(kind: String, trials: [UInt64])] = []

    init(html: String) {
        var rest = html[...]
        while let start = rest.range(of: "<svg ") {
            guard let end = rest[start.upperBound...].range(of: "</svg>") else { break }
            let svg = rest[start.lowerBound..<end.upperBound]
            let kind = Self.attribute("data-plot", in: svg) ?? ""
            var trials: [UInt64] = []
            var scan = svg
            while let mark = scan.range(of: "class=\"mark") {
                scan = scan[mark.upperBound...]
                if let id = Self.attribute("data-trial", in: scan).flatMap(UInt64.init) { trials.append(id) }
            }
            self.plots.append((kind, trials))
            rest = rest[end.upperBound...]
        }
    }

    /// The trial ids marked in the `index`th plot of `kind`, in document order.
    func marks(in kind: String, index: Int = 0) -> [UInt64] {
        let matching = self.plots.filter { $0.kind == kind }
        return index < matching.count ? matching[index].trials : []
    }

    /// How many plots of `kind` the page has.
    func count(of kind: String) -> Int {
        self.plots.count { $0.kind == kind }
    }

    /// The first `name="…"` value in `text`.
    private static func attribute(_ name: String, in text: Substring) -> String? {
        guard let start = text.range(of: "\(name)=\"") else { return nil }
        let value = text[start.upperBound...].prefix { $0 != "\"" }
        return String(value)
    }
}
