import Foundation

/// The page section on configurations run with several seeds: the best by mean, then every such configuration's
/// mean, sample standard deviation and count of the objective over its seeds.
enum DashboardSeeds {
    /// Empty when no configuration completed with more than one seed.
    static func render(_ snapshot: DashboardSnapshot, style: DashboardPage.Style) -> String {
        guard let best = snapshot.seedSummaries.first else { return "" }
        var html = "<h2>Best configuration by mean over seeds</h2>\n<p><code>\(HTMLText.parameters(best.params))</code>"
        html += ": \(HTMLText.escape(snapshot.objective)) \(Self.spread(best))</p>\n"
        let ranksOnFewerSeeds = snapshot.seedSummaries.contains { $0.sharedSeeds.count < $0.seeds.count }
        if ranksOnFewerSeeds {
            html += "<p class=\"muted\">Ranked by the mean over seeds \(Self.seeds(best.sharedSeeds)), the ones every "
            html += "configuration here completed with (the others' trials were pruned or failed somewhere).</p>\n"
        }
        let rows = snapshot.seedSummaries.map { summary -> [String] in
            [
                "<code>\(HTMLText.parameters(summary.params))</code>", HTMLText.number(summary.mean),
                HTMLText.number(summary.standardDeviation), "\(summary.count)", Self.seeds(summary.seeds),
                summary.trials.map { DashboardPage.trialLink($0, style: style) }.joined(separator: ", "),
            ] + (ranksOnFewerSeeds ? [HTMLText.number(summary.sharedMean)] : [])
        }
        html += HTMLText.table(
            headers: ["parameters", "mean", "std", "n", "seeds", "trials"]
                + (ranksOnFewerSeeds ? ["mean over shared seeds"] : []), rows: rows, cssClass: "seeds")
        return html
    }

    private static func seeds(_ seeds: [UInt64]) -> String {
        seeds.map { "\($0)" }.joined(separator: ", ")
    }

    /// `0.1234 ± 0.0056 (sample std, n = 3)`.
    static func spread(_ summary: SeedSummary) -> String {
        "\(HTMLText.number(summary.mean)) ± \(HTMLText.number(summary.standardDeviation)) "
            + "(sample std, n = \(summary.count))"
    }
}
