// MARK: - MovieLens CSV releases

/// Reads the current MovieLens CSV releases (latest-small, 25M, 32M): `ratings.csv`
/// (`userId,movieId,rating,timestamp`) and, when present, `movies.csv` (`movieId,title,genres`, titles quoted when
/// they hold commas or quotes). A first row that is not data (its id is not a number) is taken as the header.
enum MovieLensCSVReader: FormatReader {
    static func readInteractions(folder: String, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> InteractionTime
    {
        try Self.readRatings(LoadedFile(path: folder + "/ratings.csv"), into: &builder)
        return .timestamp
    }

    static func itemFile(folder: String) -> String { folder + "/movies.csv" }

    private static func readRatings(_ file: LoadedFile, into builder: inout RawDatasetBuilder) throws(DataReadError) {
        var spans: [ByteSpan] = []
        try CSVScanner(file: file).forEachRow { (line, reason) throws(DataReadError) in
            try builder.reject(file, line: line, reason)
        } _: { (line, buffer, fields) throws(DataReadError) in
            if line == 1 && Self.isHeader(fields, buffer: buffer) { return }
            spans.removeAll(keepingCapacity: true)
            for field in fields { spans.append(field.span) }
            try MovieLensRatings.addRow(spans, line: line, file: file, buffer: buffer, into: &builder)
        }
    }

    static func readItems(_ file: LoadedFile, folder: String, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        try CSVScanner(file: file).forEachRow { (line, reason) throws(DataReadError) in
            try builder.reject(file, line: line, reason)
        } _: { (line, buffer, fields) throws(DataReadError) in
            if line == 1 && Self.isHeader(fields, buffer: buffer) { return }
            guard fields.count == 3, !fields[0].span.isEmpty else {
                try builder.reject(
                    file, line: line, "expected 3 fields (movieId, title, genres), found \(fields.count)")
                return
            }
            builder.setAttributes(
                [
                    ItemAttribute(key: "title", value: fields[1].string(in: buffer)),
                    ItemAttribute(key: "genres", value: MovieLensGenres.display(fields[2].string(in: buffer))),
                ], item: fields[0].span, in: buffer)
        }
    }

    /// A header row: its first field is not an integer id.
    private static func isHeader(_ fields: [CSVField], buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = fields.first else { return false }
        return ByteText.parseInt(first.span, in: buffer) == nil
    }
}
