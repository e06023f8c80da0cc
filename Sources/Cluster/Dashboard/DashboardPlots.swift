import Foundation

/// The server-side SVG plots. Every trial drawn is one element with `class="mark"` and `data-trial="ID"`.
enum DashboardPlots {
    /// Objective per trial (coloured by state) with the best-so-far line over complete trials.
    static func objective(_ snapshot: DashboardSnapshot) -> String {
        let points = snapshot.trials.compactMap { trial in
            snapshot.objectiveValue(of: trial).map { (trial, Double(trial.id.rawValue), $0) }
        }
        var chart = SVGChart(x: points.map(\.1), y: points.map(\.2))
        var bestSoFar: [(Double, Double)] = []
        for (trial, x, value) in points where trial.state == .complete {
            let best = bestSoFar.last.map { snapshot.isBetter(value, than: $0.1) ? value : $0.1 } ?? value
            bestSoFar.append((x, best))
        }
        if bestSoFar.count > 1 {
            chart.add(
                "<polyline class=\"best\" points=\"\(chart.points(bestSoFar))\" fill=\"none\" stroke=\"#1a7f37\" "
                    + "stroke-width=\"1.5\"/>")
        }
        for (trial, x, value) in points {
            chart.add(
                "<circle class=\"mark\" data-trial=\"\(trial.id.rawValue)\" cx=\"\(SVGChart.coordinate(chart.x(x)))\" "
                    + "cy=\"\(SVGChart.coordinate(chart.y(value)))\" r=\"4\" fill=\"\(Self.color(of: trial.state))\">"
                    + "<title>trial \(trial.id.rawValue) \(trial.state.rawValue): \(HTMLText.number(value))</title>"
                    + "</circle>")
        }
        return chart.render(
            kind: "objective", title: "Objective per trial (line: best so far)", xLabel: "trial",
            yLabel: snapshot.objective)
    }

    /// The objective per epoch of every trial; pruned trials dashed and ended with a cross.
    static func learningCurves(_ snapshot: DashboardSnapshot) -> String {
        let curves = snapshot.trials.compactMap { trial -> (Trial, [(Double, Double)])? in
            let curve = trial.curve(of: snapshot.objective).sorted { $0.key < $1.key }.map {
                (Double($0.key), $0.value)
            }
            return curve.isEmpty ? nil : (trial, curve)
        }
        let all = curves.flatMap(\.1)
        var chart = SVGChart(x: all.map(\.0), y: all.map(\.1))
        for (trial, curve) in curves {
            let color = Self.color(of: trial.state)
            let pruned = trial.state == .pruned
            var group =
                "<g class=\"mark curve\" data-trial=\"\(trial.id.rawValue)\" data-state=\"\(trial.state.rawValue)\">"
            group += "<title>trial \(trial.id.rawValue) \(trial.state.rawValue)</title>"
            group +=
                "<polyline points=\"\(chart.points(curve))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\""
            group += pruned ? " stroke-dasharray=\"4 3\"/>" : "/>"
            if let last = curve.last {
                let x = chart.x(last.0)
                let y = chart.y(last.1)
                if pruned {
                    let path = "M\(x - 4) \(y - 4)L\(x + 4) \(y + 4)M\(x - 4) \(y + 4)L\(x + 4) \(y - 4)"
                    group += "<path class=\"pruned-marker\" d=\"\(path)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                } else {
                    group += "<circle cx=\"\(SVGChart.coordinate(x))\" cy=\"\(SVGChart.coordinate(y))\" r=\"2.5\" "
                    group += "fill=\"\(color)\"/>"
                }
            }
            chart.add(group + "</g>")
        }
        return chart.render(
            kind: "curves", title: "Learning curves (dashed ×: pruned)", xLabel: "epoch", yLabel: snapshot.objective)
    }

    // MARK: - Colours

    static func color(of state: TrialState) -> String {
        switch state {
        case .complete: "#1f6feb"
        case .pruned: "#bf8700"
        case .failed: "#cf222e"
        case .running: "#8250df"
        case .waiting: "#8c959f"
        }
    }

    /// Red (poor) through yellow to green (good) for `quality` in 0...1.
    static func scale(_ quality: Double) -> String {
        let stops: [(Double, Double, Double)] = [(215, 48, 39), (254, 224, 139), (26, 152, 80)]
        let t = min(max(quality, 0), 1) * 2
        let index = min(Int(t), 1)
        let f = t - Double(index)
        let (a, b) = (stops[index], stops[index + 1])
        let mix = { (p: Double, q: Double) in Int((p + (q - p) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
