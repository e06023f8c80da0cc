// MARK: - MovieLens 1M

/// Reads MovieLens-1M: `ratings.dat` (`UserID::MovieID::Rating::Timestamp`) and, when present, `movies.dat`
/// (`MovieID::Title (Year)::Genre1|Genre2…`, Latin-1).
enum MovieLens1MReader: FormatReader {
    private static let separator: [UInt8] = Array("::".utf8)

    static func readInteractions(folder: String, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> InteractionTime
    {
        try MovieLensRatings.read(LoadedFile(path: folder + "/ratings.dat"), separator: Self.separator, into: &builder)
        return .timestamp
    }

    static func itemFile(folder: String) -> String { folder + "/movies.dat" }

    static func readItems(_ file: LoadedFile, folder: String, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        var fields: [ByteSpan] = []
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            guard !ByteText.isBlankLine(span, in: buffer) else { return }
            ByteText.split(span, in: buffer, separator: Self.separator, into: &fields)
            guard fields.count == 3, !fields[0].isEmpty else {
                try builder.reject(file, line: line, "expected `MovieID::Title::Genres`, found \(fields.count) fields")
                return
            }
            let genres = ByteText.latin1String(fields[2], in: buffer)
            builder.setAttributes(
                [
                    ItemAttribute(key: "title", value: ByteText.latin1String(fields[1], in: buffer)),
                    ItemAttribute(key: "genres", value: MovieLensGenres.display(genres)),
                ], item: fields[0], in: buffer)
        }
    }
}

// MARK: - Genres

/// MovieLens genre lists (`Action|Comedy`) as item text (`Action, Comedy`).
enum MovieLensGenres {
    /// The genres joined by ", ", or "" for "(no genres listed)".
    static func display(_ pipeSeparated: String) -> String {
        guard pipeSeparated != "(no genres listed)" else { return "" }
        return pipeSeparated.split(separator: "|").joined(separator: ", ")
    }
}
