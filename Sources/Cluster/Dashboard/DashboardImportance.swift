import Foundation
import Search

/// The page section "What the search learnt": each parameter's importance (bars and a table, with the method and
/// the trials used) or why there is none, then the objective against every parameter, most important first.
enum DashboardImportance {
    static func render(_ snapshot: DashboardSnapshot) -> String {
        let finding = StudyImportance.analyse(snapshot)
        let analysis = finding.analysis
        var html = "<h2>What the search learnt</h2>\n<p class=\"muted\">\(HTMLText.escape(ImportanceAnalysis.method))"
        html += " · \(HTMLText.escape(finding.basis))"
        if analysis.observationsSkipped > 0 { html += " (\(analysis.observationsSkipped) left out)" }
        switch analysis.outcome {
        case .estimated(let effects, let interactionShare):
            html += " · importances sum to 1; \(Self.percent(interactionShare)) of the model's variance is "
            html += "interaction between parameters</p>\n"
            if analysis.isRough {
                html += "<p class=\"importance-rough\">Rough: fewer than \(2 * effects.count + 1) trials for "
                html += "\(effects.count) parameters; read the order of the large ones only.</p>\n"
            }
            html += Self.table(effects)
        case .unavailable(let reason):
            html += "</p>\n<p class=\"importance-unavailable\">No importances: \(HTMLText.escape(reason)).</p>\n"
        }
        let ranked = analysis.effects.map(\.name)
        let others = Set(snapshot.trials.flatMap(\.params.values.keys)).subtracting(ranked).sorted()
        let importance = Dictionary(analysis.effects.map { ($0.name, $0.importance) }, uniquingKeysWith: { $1 })
        html += "<div class=\"plots\">\n"
        for name in ranked + others {
            let suffix = importance[name].map { " (importance \(HTMLText.number($0)))" } ?? ""
            html += ParameterPlot.render(snapshot, parameter: name, title: "\(name) vs objective\(suffix)")
        }
        return html + "</div>\n"
    }

    /// One row per parameter: a bar as long as its importance, the importance, its main-effect share of the
    /// variance and its fitted length scale.
    private static func table(_ effects: [ParameterEffect]) -> String {
        let widest = effects.map(\.importance).max() ?? 1
        let rows = effects.map { effect -> [String] in
            let width = widest > 0 ? 120 * effect.importance / widest : 0
            return [
                "<code>\(HTMLText.escape(effect.name))</code>",
                "<span class=\"bar\" style=\"width:\(SVGChart.coordinate(width))px\"></span>",
                HTMLText.number(effect.importance), Self.percent(effect.mainEffectShare),
                HTMLText.number(effect.lengthScale),
            ]
        }
        return HTMLText.table(
            headers: ["parameter", "", "importance", "variance explained alone", "GP length scale"], rows: rows,
            cssClass: "importance")
    }

    private static func percent(_ fraction: Double) -> String {
        String(format: "%.0f %%", 100 * fraction)
    }
}
