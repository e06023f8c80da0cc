import Foundation

// MARK: - Byte spans

/// A half-open range `start..<end` of byte offsets into a file's contents.
struct ByteSpan: Sendable, Equatable {
    var start: Int
    var end: Int

    var isEmpty: Bool { self.start >= self.end }
}

// MARK: - Loaded files

/// The raw bytes of one input file, with its name for error messages.
struct LoadedFile: Sendable {
    /// The file name as shown in errors and reports (the last path component).
    let name: String
    let bytes: [UInt8]

    /// Reads a whole file into memory, without a leading UTF-8 byte-order mark.
    /// - Throws: `DataReadError.missingFile` or `.unreadableFile`.
    init(path: String) throws(DataReadError) {
        self.name = (path as NSString).lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableFile(path: path) }
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        self.bytes = data.starts(with: byteOrderMark) ? [UInt8](data.dropFirst(3)) : [UInt8](data)
    }

    /// Calls `body` with each line's number (1-based) and span, without the line break (`\n` or `\r\n`).
    /// The final line is included when the file does not end with a line break.
    func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>, ByteSpan) throws(DataReadError) -> Void)
        throws(DataReadError)
    {
        try self.bytes.withUnsafeBufferPointer { (buffer) throws(DataReadError) in
            var lineNumber = 1
            var start = 0
            let count = buffer.count
            while start < count {
                var end = start
                while end < count && buffer[end] != ByteText.newline { end += 1 }
                let next = end + 1
                if end > start && buffer[end - 1] == ByteText.carriageReturn { end -= 1 }
                try body(lineNumber, buffer, ByteSpan(start: start, end: end))
                lineNumber += 1
                start = next
            }
        }
    }
}

// MARK: - Byte helpers

/// Byte-level parsing helpers that avoid building a `String` per line.
enum ByteText {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let tab = UInt8(ascii: "\t")
    static let space = UInt8(ascii: " ")

    /// Splits `line` at every occurrence of the separator (one or more bytes) into `fields`, replacing its contents.
    static func split(
        _ line: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>, separator: [UInt8], into fields: inout [ByteSpan]
    ) {
        fields.removeAll(keepingCapacity: true)
        let first = separator[0]
        let width = separator.count
        var fieldStart = line.start
        var index = line.start
        while index <= line.end - width {
            if buffer[index] == first && Self.matches(separator, at: index, in: buffer) {
                fields.append(ByteSpan(start: fieldStart, end: index))
                index += width
                fieldStart = index
            } else {
                index += 1
            }
        }
        fields.append(ByteSpan(start: fieldStart, end: line.end))
    }

    /// Splits `line` at runs of spaces and tabs into `fields` (no empty fields), replacing its contents.
    static func splitWhitespace(_ line: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>, into fields: inout [ByteSpan])
    {
        fields.removeAll(keepingCapacity: true)
        var index = line.start
        while index < line.end {
            while index < line.end && Self.isBlank(buffer[index]) { index += 1 }
            let start = index
            while index < line.end && !Self.isBlank(buffer[index]) { index += 1 }
            if index > start { fields.append(ByteSpan(start: start, end: index)) }
        }
    }

    /// Whether the line holds only spaces and tabs.
    static func isBlankLine(_ line: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = line.start
        while index < line.end {
            if !Self.isBlank(buffer[index]) { return false }
            index += 1
        }
        return true
    }

    /// The span without leading and trailing spaces and tabs.
    static func trimmed(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> ByteSpan {
        var result = span
        while result.start < result.end && Self.isBlank(buffer[result.start]) { result.start += 1 }
        while result.end > result.start && Self.isBlank(buffer[result.end - 1]) { result.end -= 1 }
        return result
    }

    /// Parses an optionally signed decimal integer that fills the whole span; nil if it is not one.
    static func parseInt(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = span.start
        var negative = false
        if index < span.end && (buffer[index] == UInt8(ascii: "-") || buffer[index] == UInt8(ascii: "+")) {
            negative = buffer[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < span.end, span.end - index <= 18 else { return nil }
        var value: Int64 = 0
        while index < span.end {
            let digit = buffer[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
            index += 1
        }
        return negative ? -value : value
    }

    /// Parses a decimal number (integer fast path, else `Double(String)`); nil if the span is not a number.
    static func parseNumber(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> Double? {
        if let integer = Self.parseInt(span, in: buffer) { return Double(integer) }
        guard !span.isEmpty else { return nil }
        if let dot = Self.firstIndex(of: UInt8(ascii: "."), in: span, buffer: buffer), dot > span.start,
            let whole = Self.parseInt(ByteSpan(start: span.start, end: dot), in: buffer),
            let fraction = Self.parseInt(ByteSpan(start: dot + 1, end: span.end), in: buffer), fraction >= 0,
            buffer[dot + 1] != UInt8(ascii: "+")
        {
            let scale = pow(10.0, Double(span.end - dot - 1))
            let magnitude = Double(abs(whole)) + Double(fraction) / scale
            return buffer[span.start] == UInt8(ascii: "-") ? -magnitude : magnitude
        }
        return Double(Self.utf8String(span, in: buffer))
    }

    /// The offset of the first `byte` inside the span, if any.
    static func firstIndex(of byte: UInt8, in span: ByteSpan, buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = span.start
        while index < span.end {
            if buffer[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// Decodes the span as UTF-8 (invalid sequences become U+FFFD).
    static func utf8String(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[span.start..<span.end]), as: UTF8.self)
    }

    /// Decodes the span as ISO-8859-1 (Latin-1): every byte is the Unicode scalar of the same value.
    static func latin1String(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for index in span.start..<span.end { scalars.append(Unicode.Scalar(buffer[index])) }
        return String(scalars)
    }

    /// Decodes the span with the given encoding.
    static func string(_ span: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>, encoding: TextEncoding) -> String {
        switch encoding {
        case .utf8: Self.utf8String(span, in: buffer)
        case .latin1: Self.latin1String(span, in: buffer)
        }
    }

    // MARK: Private

    private static func isBlank(_ byte: UInt8) -> Bool { byte == Self.space || byte == Self.tab }

    private static func matches(_ separator: [UInt8], at index: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 1..<separator.count where buffer[index + offset] != separator[offset] { return false }
        return true
    }
}

/// The character encoding of a text file.
enum TextEncoding: Sendable {
    case utf8
    /// ISO-8859-1, as the MovieLens 100K and 1M item files use.
    case latin1
}
