import Foundation

// MARK: - CSV (RFC 4180)

/// One field of a CSV row: its span (inside the quotes when quoted) and whether it holds doubled quotes.
struct CSVField: Sendable {
    var span: ByteSpan
    var hasEscapedQuotes: Bool

    /// The field's text (UTF-8) with doubled quotes undone.
    func string(in buffer: UnsafeBufferPointer<UInt8>) -> String {
        let text = ByteText.utf8String(self.span, in: buffer)
        return self.hasEscapedQuotes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }
}

/// Scans comma-separated rows with quoted fields (`"a, ""b"""`), which may span lines, without a `String` per field.
struct CSVScanner {
    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")

    let file: LoadedFile

    /// Calls `body` with each non-blank row's first line number and fields; a row with an unterminated quote or text
    /// after a closing quote goes to `reject` (line number, reason) and scanning resumes on the next line.
    func forEachRow(
        reject: (Int, String) throws(DataReadError) -> Void,
        _ body: (Int, UnsafeBufferPointer<UInt8>, [CSVField]) throws(DataReadError) -> Void
    ) throws(DataReadError) {
        try self.file.bytes.withUnsafeBufferPointer { (buffer) throws(DataReadError) in
            var fields: [CSVField] = []
            var position = 0
            var line = 1
            while position < buffer.count {
                let rowLine = line
                switch Self.scanRow(buffer, from: position, line: &line, into: &fields) {
                case .row(let next):
                    position = next
                    let blank = fields.count == 1 && fields[0].span.isEmpty
                    if !blank { try body(rowLine, buffer, fields) }
                case .malformed(let reason):
                    try reject(rowLine, reason)
                    position = Self.lineEnd(buffer, from: position) + 1
                    line = rowLine + 1
                }
            }
        }
    }

    // MARK: Scanning

    private enum RowResult {
        case row(next: Int)
        case malformed(String)
    }

    private static func scanRow(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, line: inout Int, into fields: inout [CSVField]
    ) -> RowResult {
        fields.removeAll(keepingCapacity: true)
        var index = start
        while true {
            var field = CSVField(span: ByteSpan(start: index, end: index), hasEscapedQuotes: false)
            if index < buffer.count && buffer[index] == Self.quote {
                index += 1
                field.span.start = index
                var closed = false
                while index < buffer.count {
                    let byte = buffer[index]
                    if byte == Self.quote {
                        if index + 1 < buffer.count && buffer[index + 1] == Self.quote {
                            field.hasEscapedQuotes = true
                            index += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if byte == ByteText.newline { line += 1 }
                    index += 1
                }
                guard closed else { return .malformed("unterminated quoted field") }
                field.span.end = index
                index += 1
            } else {
                while index < buffer.count && buffer[index] != Self.comma && buffer[index] != ByteText.newline {
                    index += 1
                }
                field.span.end = index
                if index > field.span.start && buffer[index - 1] == ByteText.carriageReturn
                    && (index == buffer.count || buffer[index] == ByteText.newline)
                {
                    field.span.end -= 1
                }
            }
            fields.append(field)
            if index < buffer.count && buffer[index] == ByteText.carriageReturn { index += 1 }
            if index >= buffer.count {
                line += 1
                return .row(next: index)
            }
            switch buffer[index] {
            case Self.comma:
                index += 1
            case ByteText.newline:
                line += 1
                return .row(next: index + 1)
            default:
                return .malformed("text after a closing quote")
            }
        }
    }

    private static func lineEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < buffer.count && buffer[index] != ByteText.newline { index += 1 }
        return index
    }
}
