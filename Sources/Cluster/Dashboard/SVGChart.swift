import Foundation

/// A small chart: linear scales from data domains to an SVG canvas, a frame with tick labels, and the marks
/// added by the caller.
struct SVGChart {
    let width = 440.0
    let height = 270.0
    private let left = 52.0
    private let right = 14.0
    private let top = 26.0
    private let bottom = 40.0
    let xDomain: ClosedRange<Double>
    let yDomain: ClosedRange<Double>
    private var marks = ""

    /// Domains are widened when empty or a single value, so every point has a place.
    init(x values: [Double], y yValues: [Double]) {
        self.xDomain = Self.domain(values)
        self.yDomain = Self.domain(yValues)
    }

    /// The canvas x of a data value.
    func x(_ value: Double) -> Double {
        self.left + (value - self.xDomain.lowerBound) / (self.xDomain.upperBound - self.xDomain.lowerBound)
            * (self.width - self.left - self.right)
    }

    /// The canvas y of a data value (larger values higher up).
    func y(_ value: Double) -> Double {
        self.height - self.bottom - (value - self.yDomain.lowerBound)
            / (self.yDomain.upperBound - self.yDomain.lowerBound) * (self.height - self.top - self.bottom)
    }

    /// Appends SVG markup drawn over the frame.
    mutating func add(_ svg: String) {
        self.marks += svg
    }

    /// `x,y x,y …` for a polyline through data points.
    func points(_ data: [(Double, Double)]) -> String {
        data.map { "\(Self.coordinate(self.x($0.0))),\(Self.coordinate(self.y($0.1)))" }.joined(separator: " ")
    }

    /// The finished `<svg>`; `xTicks` overrides the numeric x tick labels (for categories).
    func render(
        kind: String, title: String, xLabel: String, yLabel: String, xTicks: [(Double, String)]? = nil
    ) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"\(HTMLText.escape(kind))\" "
        svg += "width=\"\(Int(self.width))\" height=\"\(Int(self.height))\" "
        svg += "viewBox=\"0 0 \(Int(self.width)) \(Int(self.height))\" font-family=\"sans-serif\" font-size=\"10\">"
        svg +=
            "<text x=\"\(self.left)\" y=\"16\" font-size=\"12\" font-weight=\"bold\">\(HTMLText.escape(title))</text>"
        let plotBottom = self.height - self.bottom
        svg += "<rect x=\"\(self.left)\" y=\"\(self.top)\" width=\"\(self.width - self.left - self.right)\" "
        svg += "height=\"\(plotBottom - self.top)\" fill=\"none\" stroke=\"#bbb\"/>"
        for tick in Self.ticks(self.yDomain) {
            let y = Self.coordinate(self.y(tick))
            svg += "<line x1=\"\(self.left - 4)\" x2=\"\(self.left)\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#888\"/>"
            svg += "<text x=\"\(self.left - 6)\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">"
            svg += "\(HTMLText.number(tick))</text>"
        }
        for (value, label) in xTicks ?? Self.ticks(self.xDomain).map({ ($0, HTMLText.number($0)) }) {
            let x = Self.coordinate(self.x(value))
            svg += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(plotBottom)\" y2=\"\(plotBottom + 4)\" stroke=\"#888\"/>"
            svg += "<text x=\"\(x)\" y=\"\(plotBottom + 14)\" text-anchor=\"middle\">\(HTMLText.escape(label))</text>"
        }
        svg += "<text x=\"\((self.left + self.width - self.right) / 2)\" y=\"\(self.height - 6)\" "
        svg += "text-anchor=\"middle\">\(HTMLText.escape(xLabel))</text>"
        svg += "<text transform=\"translate(12 \((self.top + plotBottom) / 2)) rotate(-90)\" "
        svg += "text-anchor=\"middle\">\(HTMLText.escape(yLabel))</text>"
        return svg + self.marks + "</svg>\n"
    }

    /// A canvas coordinate with one decimal.
    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// Round tick values (steps of 1, 2 or 5 times a power of ten, about five of them) inside the domain.
    private static func ticks(_ domain: ClosedRange<Double>) -> [Double] {
        let raw = (domain.upperBound - domain.lowerBound) / 4
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        let step = (residual < 1.5 ? 1 : residual < 3 ? 2 : residual < 7 ? 5 : 10) * magnitude
        var ticks: [Double] = []
        var index = (domain.lowerBound / step).rounded(.up)
        while index * step <= domain.upperBound + step * 1e-9 {
            ticks.append(index == 0 ? 0 : index * step)
            index += 1
        }
        return ticks
    }

    private static func domain(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        if low == high {
            let pad = low == 0 ? 0.5 : abs(low) * 0.1
            return (low - pad)...(high + pad)
        }
        let pad = (high - low) * 0.05
        return (low - pad)...(high + pad)
    }
}
