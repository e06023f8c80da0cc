import Search

/// Parameter importances as CSV (RFC 4180): `parameter,importance,main_effect_share,length_scale`, most important
/// first, at full precision; only the header when there are none.
public enum ImportanceCSV {
    public static func render(_ analysis: ImportanceAnalysis) -> String {
        var lines = ["parameter,importance,main_effect_share,length_scale"]
        for effect in analysis.effects {
            lines.append(
                [
                    TrialCSV.field(effect.name), "\(effect.importance)", "\(effect.mainEffectShare)",
                    "\(effect.lengthScale)",
                ]
                .joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
