import Search

/// A rung report (a trial's validation at a fraction of its optimizer steps, `pruner.fidelity: steps`) as it travels
/// in a progress report and is kept in the intermediate metrics of the epoch it falls in: every metric under
/// `rung<k>/`, with the rung's fraction as `rung<k>/fraction`, so neither the epoch's own report nor another rung in
/// the same epoch overwrites it.
public enum RungMetrics {
    /// The name, under a rung's prefix, of its fraction of a full trial.
    static let fractionName = "fraction"

    /// `metrics` of rung `rung` at `fraction` of a full trial, as a progress report carries them.
    public static func encode(rung: Int, fraction: Double, metrics: Metrics) -> Metrics {
        var encoded = Dictionary(uniqueKeysWithValues: metrics.map { (Self.prefix(rung) + $0.key, $0.value) })
        encoded[Self.prefix(rung) + Self.fractionName] = fraction
        return encoded
    }

    /// Whether `name` is a rung's metric (not an epoch's).
    static func isRungMetric(_ name: String) -> Bool { name.hasPrefix("rung") }

    /// The rungs whose metrics `metrics` holds, ascending (none in a plain epoch report).
    static func rungs(in metrics: Metrics) -> [Int] {
        metrics.keys.compactMap { key -> Int? in
            guard Self.isRungMetric(key), key.hasSuffix("/" + Self.fractionName) else { return nil }
            return Int(key.dropFirst("rung".count).dropLast(Self.fractionName.count + 1))
        }.sorted()
    }

    /// Rung `rung`'s metrics inside `metrics`, without its prefix (its fraction left out).
    static func metrics(ofRung rung: Int, in metrics: Metrics) -> Metrics {
        let prefix = Self.prefix(rung)
        return Dictionary(
            uniqueKeysWithValues: metrics.compactMap { key, value in
                guard key.hasPrefix(prefix), key != prefix + Self.fractionName else { return nil }
                return (String(key.dropFirst(prefix.count)), value)
            })
    }

    /// Rung `rung`'s fraction of a full trial, if `metrics` holds the rung.
    static func fraction(ofRung rung: Int, in metrics: Metrics) -> Double? {
        metrics[Self.prefix(rung) + Self.fractionName]
    }

    private static func prefix(_ rung: Int) -> String { "rung\(rung)/" }
}

extension Trial {
    /// The objective at every rung the trial reported: rung number → value.
    public func rungCurve(of metric: String) -> [Int: Double] {
        var curve: [Int: Double] = [:]
        for metrics in self.intermediate.values {
            for rung in RungMetrics.rungs(in: metrics) {
                curve[rung] = RungMetrics.metrics(ofRung: rung, in: metrics)[metric]
            }
        }
        return curve
    }

    /// Rung `rung`'s fraction of a full trial, as the trial reported it; nil if it did not reach the rung.
    public func rungFraction(_ rung: Int) -> Double? {
        self.intermediate.values.lazy.compactMap { RungMetrics.fraction(ofRung: rung, in: $0) }.first
    }

    /// How much of a full trial of `epochs` epochs it trained: 1 when COMPLETE, else the largest of its newest
    /// reported epoch's share and its rungs' fractions; nil before any report.
    public func fidelity(epochs: Int) -> Double? {
        if self.state == .complete { return 1 }
        let reached = self.intermediate.flatMap { epoch, metrics in
            let rungs = RungMetrics.rungs(in: metrics).compactMap { RungMetrics.fraction(ofRung: $0, in: metrics) }
            let epochEnded = metrics.keys.contains { !RungMetrics.isRungMetric($0) }
            return rungs + (epochEnded ? [Double(epoch) / Double(max(epochs, 1))] : [])
        }
        return reached.max()
    }
}
