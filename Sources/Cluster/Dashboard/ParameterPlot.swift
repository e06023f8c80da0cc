import Foundation
import Search

/// The objective against one parameter's values over the complete trials: numbers on a linear axis (a log axis
/// when positive values span 20× or more), categorical choices as groups of points side by side, each group's
/// mean marked by a bar. Points are coloured by the objective.
enum ParameterPlot {
    /// The scatter for parameter `name`, titled `title`.
    static func render(_ snapshot: DashboardSnapshot, parameter name: String, title: String) -> String {
        let scored = snapshot.trials.filter { $0.state == .complete }.compactMap { trial in
            trial.params.values[name].flatMap { value in snapshot.objectiveValue(of: trial).map { (trial, value, $0) } }
        }
        let objectives = scored.map(\.2)
        let (low, high) = (objectives.min() ?? 0, objectives.max() ?? 1)
        let categories = Set(scored.compactMap { $0.1.number == nil ? HTMLText.parameter($0.1) : nil }).sorted()
        let numbers = scored.compactMap(\.1.number)
        let logScale =
            categories.isEmpty && (numbers.min() ?? 0) > 0 && (numbers.max() ?? 0) >= 20 * (numbers.min() ?? 0)
        let positions = Self.positions(of: scored.map(\.1), categories: categories, logScale: logScale)
        let points = zip(scored, positions).compactMap { point, x in x.map { (point.0, $0, point.2) } }
        var chart = SVGChart(
            x: points.map(\.1) + (categories.isEmpty ? [] : [-0.5, Double(categories.count) - 0.5]),
            y: points.map(\.2))
        for (index, category) in categories.enumerated() {
            let values = scored.filter { HTMLText.parameter($0.1) == category && $0.1.number == nil }.map(\.2)
            guard !values.isEmpty else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            let y = SVGChart.coordinate(chart.y(mean))
            chart.add(
                "<line class=\"group-mean\" x1=\"\(SVGChart.coordinate(chart.x(Double(index) - 0.4)))\" "
                    + "x2=\"\(SVGChart.coordinate(chart.x(Double(index) + 0.4)))\" y1=\"\(y)\" y2=\"\(y)\" "
                    + "stroke=\"#555\" stroke-width=\"2\"><title>\(HTMLText.escape(category)): mean "
                    + "\(HTMLText.number(mean)) over \(values.count)</title></line>")
        }
        for (trial, x, objective) in points {
            var quality = high > low ? (objective - low) / (high - low) : 1
            if !snapshot.maximize { quality = 1 - quality }
            chart.add(
                "<circle class=\"mark\" data-trial=\"\(trial.id.rawValue)\" "
                    + "cx=\"\(SVGChart.coordinate(chart.x(x)))\" cy=\"\(SVGChart.coordinate(chart.y(objective)))\" "
                    + "r=\"4.5\" fill=\"\(DashboardPlots.scale(quality))\" stroke=\"#333\" stroke-width=\"0.5\">"
                    + "<title>trial \(trial.id.rawValue): \(HTMLText.number(objective))</title></circle>")
        }
        var ticks = categories.isEmpty ? nil : categories.enumerated().map { (Double($0.offset), $0.element) }
        if logScale {
            let exponents = stride(
                from: chart.xDomain.lowerBound.rounded(.up), through: chart.xDomain.upperBound, by: 1)
            ticks = exponents.map { ($0, "1e\(Int($0))") }
        }
        return chart.render(
            kind: "parameter", title: title, xLabel: logScale ? "\(name) (log scale)" : name,
            yLabel: snapshot.objective, xTicks: ticks)
    }

    /// The x position of each value: the number (its log10 on a log axis), or for a choice its category's index
    /// plus an offset within ±0.3 that spreads the group's points in trial order.
    private static func positions(of values: [ParameterValue], categories: [String], logScale: Bool) -> [Double?] {
        let sizes = Dictionary(
            values.filter { $0.number == nil }.map { (HTMLText.parameter($0), 1) }, uniquingKeysWith: +)
        var seen: [String: Int] = [:]
        return values.map { value in
            if let number = value.number { return logScale ? log10(number) : number }
            let label = HTMLText.parameter(value)
            guard let index = categories.firstIndex(of: label), let size = sizes[label] else { return nil }
            let rank = seen[label, default: 0]
            seen[label] = rank + 1
            return Double(index) + (size > 1 ? -0.3 + 0.6 * Double(rank) / Double(size - 1) : 0)
        }
    }
}
