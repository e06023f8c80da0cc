import ArgumentParser
import Foundation

/// The values of a comma-separated option, e.g. `--depths 8,16,30`.
enum CommaSeparated {
    /// Each comma-separated item of `text`, trimmed and read by `parse` (nil rejects it).
    /// - Throws: `ValidationError` naming `option` and what it `expects` when the list is empty or an item is
    ///   rejected.
    static func values<Value>(
        _ text: String, option: String, expects: String, _ parse: (String) -> Value?
    ) throws -> [Value] {
        let values = text.split(separator: ",").map { parse($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw ValidationError("\(option): expected \(expects) separated by commas, got '\(text)'")
        }
        return values.compactMap { $0 }
    }
}
