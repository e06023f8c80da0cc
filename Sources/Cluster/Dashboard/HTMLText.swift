import Foundation
import Search

/// Escaping and number formatting shared by the HTML pages and SVG plots.
enum HTMLText {
    /// Escapes `& < > " '` so user-controlled text is safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A metric value with four significant digits, "–" when absent.
    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.4g", value)
    }

    /// A parameter value as written in configs.
    static func parameter(_ value: ParameterValue) -> String {
        switch value {
        case .int(let value): "\(value)"
        case .double(let value): String(format: "%.4g", value)
        case .string(let value): value
        }
    }

    /// `key=value` pairs in key order, escaped.
    static func parameters(_ params: Configuration) -> String {
        params.values.sorted { $0.key < $1.key }.map { escape("\($0.key)=\(parameter($0.value))") }
            .joined(separator: " ")
    }

    /// A table with escaped header cells; `rows` are already-escaped HTML cells.
    static func table(headers: [String], rows: [[String]], cssClass: String = "") -> String {
        var html = "<table class=\"\(cssClass)\"><thead><tr>"
        html += headers.map { "<th>\(escape($0))</th>" }.joined()
        html += "</tr></thead><tbody>\n"
        for row in rows { html += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>\n" }
        return html + "</tbody></table>\n"
    }

    /// The page skeleton with inline style (no external resources); refreshes every 5 s when `refresh` is true.
    static func document(title: String, refresh: Bool, body: String) -> String {
        let meta = refresh ? "<meta http-equiv=\"refresh\" content=\"5\">" : ""
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">\(meta)<title>\(escape(title))</title>
            <style>
            body{font:14px system-ui,sans-serif;margin:16px 24px;color:#222;background:#fafafa}
            h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 6px}
            table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
            th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
            .plots{display:flex;flex-wrap:wrap;gap:12px}.plots svg{background:#fff;border:1px solid #ddd}
            .COMPLETE{color:#1a7f37}.PRUNED{color:#9a6700}.FAILED{color:#cf222e}.RUNNING{color:#0969da}
            .muted{color:#777}code{font-size:12px}.bar{display:inline-block;height:10px;background:#1f6feb}
            </style></head><body>
            \(body)
            </body></html>

            """
    }
}
