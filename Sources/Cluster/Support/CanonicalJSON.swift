import Foundation

/// JSON with sorted keys and no whitespace, so equal values always give equal text (and equal hashes).
public enum CanonicalJSON {
    /// Encodes `value`. Non-finite doubles become the strings `"inf"`, `"-inf"` and `"nan"` instead of failing.
    public static func encode<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // With the strategy above, plain values (scalars, strings, arrays and dictionaries of them) cannot fail.
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
