// MARK: - Shared rating rows

/// Rows of `user item rating timestamp`, as in `u.data`, `ratings.dat` and `ratings.csv` without quotes.
enum MovieLensRatings {
    /// Reads rating rows split at `separator`, or at runs of spaces and TABs when it is nil.
    static func read(_ file: LoadedFile, separator: [UInt8]?, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        var fields: [ByteSpan] = []
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            guard !ByteText.isBlankLine(span, in: buffer) else { return }
            if let separator {
                ByteText.split(span, in: buffer, separator: separator, into: &fields)
            } else {
                ByteText.splitWhitespace(span, in: buffer, into: &fields)
            }
            try Self.addRow(fields, line: line, file: file, buffer: buffer, into: &builder)
        }
    }

    /// Validates one `user item rating timestamp` row and adds it.
    static func addRow(
        _ fields: [ByteSpan], line: Int, file: LoadedFile, buffer: UnsafeBufferPointer<UInt8>,
        into builder: inout RawDatasetBuilder
    ) throws(DataReadError) {
        guard fields.count == 4 else {
            try builder.reject(
                file, line: line, "expected 4 fields (user, item, rating, timestamp), found \(fields.count)")
            return
        }
        guard !fields[0].isEmpty, !fields[1].isEmpty else {
            try builder.reject(file, line: line, "empty user or item id")
            return
        }
        guard ByteText.parseNumber(fields[2], in: buffer) != nil else {
            try builder.reject(file, line: line, "rating is not a number")
            return
        }
        guard let time = ByteText.parseInt(fields[3], in: buffer) else {
            try builder.reject(file, line: line, "timestamp is not an integer")
            return
        }
        builder.addInteraction(user: fields[0], item: fields[1], time: Double(time), in: buffer)
    }
}
