import Foundation

/// JSON with sorted keys and no whitespace, so equal values always give equal text (and equal hashes).
public enum CanonicalJSON {
    /// Encodes `value`. Non-finite doubles become the strings `"inf"`, `"-inf"` and `"nan"` instead of failing;
    /// dates are ISO 8601.
    public static func encode<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // With the strategies above, plain values (scalars, strings, dates, arrays and dictionaries of them)
        // cannot fail.
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
