/// Splits text into the pieces that byte-level BPE encodes one by one, as SmolLM's (`smollm`) pre-tokenizer does.
///
/// The behaviour is that of two regular expressions applied in turn, implemented by hand in one pass:
/// 1. every numeric scalar (`\p{N}`) becomes a piece of its own (skipped for plain GPT-2);
/// 2. the rest is split by GPT-2's expression
///    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
///    each stretch between digits on its own (so look-ahead stops at a digit).
enum PreTokenizer {
    /// The classes of scalar the expressions distinguish.
    enum ScalarClass: UInt8 {
        case letter, number, whitespace, other
    }

    private static let asciiClasses: [ScalarClass] = (0..<128).map { code in
        Self.slowClass(Unicode.Scalar(UInt8(code)))
    }

    /// The class of `scalar` (`\p{L}`, `\p{N}`, `\s` or anything else).
    @inline(__always)
    static func scalarClass(_ scalar: Unicode.Scalar) -> ScalarClass {
        scalar.value < 128 ? Self.asciiClasses[Int(scalar.value)] : Self.slowClass(scalar)
    }

    private static func slowClass(_ scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Calls `body` with the scalar range of each piece of `scalars`, in order; `classes` holds each scalar's class.
    static func split(
        _ scalars: [Unicode.Scalar], classes: [ScalarClass], splitDigits: Bool, body: (Range<Int>) -> Void
    ) {
        guard splitDigits else {
            Self.splitGPT2(scalars, classes, 0..<scalars.count, body: body)
            return
        }
        var start = 0
        let count = scalars.count
        while start < count {
            var end = start
            while end < count && classes[end] != .number { end += 1 }
            Self.splitGPT2(scalars, classes, start..<end, body: body)
            if end < count { body(end..<(end + 1)) }
            start = end + 1
        }
    }

    // MARK: - GPT-2 expression on a stretch without digits

    private static func splitGPT2(
        _ s: [Unicode.Scalar], _ c: [ScalarClass], _ range: Range<Int>, body: (Range<Int>) -> Void
    ) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let length = Self.matchLength(s, c, at: i, end: end)
            body(i..<(i + length))
            i += length
        }
    }

    /// The length of the expression's match at `i` (always at least 1).
    private static func matchLength(_ s: [Unicode.Scalar], _ c: [ScalarClass], at i: Int, end: Int) -> Int {
        if s[i] == "'", let length = Self.contractionLength(s, at: i, end: end) { return length }
        // ` ?X+` for letters, digits and "other": an optional leading space joins the run after it.
        let runStart = (s[i] == " " && i + 1 < end && c[i + 1] != .whitespace) ? i + 1 : i
        let runClass = c[runStart]
        if runClass != .whitespace {
            var j = runStart + 1
            while j < end && c[j] == runClass { j += 1 }
            return j - i
        }
        // `\s+(?!\S)`, then `\s+`.
        var j = i + 1
        while j < end && c[j] == .whitespace { j += 1 }
        if j == end || j - i == 1 { return j - i }
        return j - i - 1
    }

    /// The length of `'s|'t|'re|'ve|'m|'ll|'d` at `i`, if one matches.
    private static func contractionLength(_ s: [Unicode.Scalar], at i: Int, end: Int) -> Int? {
        guard i + 1 < end else { return nil }
        switch s[i + 1] {
        case "s", "t", "m", "d": return 2
        case "r", "v":
            return i + 2 < end && s[i + 2] == "e" ? 3 : nil
        case "l":
            return i + 2 < end && s[i + 2] == "l" ? 3 : nil
        default: return nil
        }
    }
}
