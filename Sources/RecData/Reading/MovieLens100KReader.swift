// MARK: - MovieLens 100K

/// Reads MovieLens-100K: `u.data` (TAB-separated `user item rating timestamp`), and, when present, `u.item`
/// (`|`-separated, Latin-1, 5 fields then one 0/1 flag per genre) with genre names from `u.genre`.
enum MovieLens100KReader: FormatReader {
    static func readInteractions(folder: String, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> InteractionTime
    {
        try MovieLensRatings.read(LoadedFile(path: folder + "/u.data"), separator: nil, into: &builder)
        return .timestamp
    }

    static func itemFile(folder: String) -> String { folder + "/u.item" }

    static func readItems(_ file: LoadedFile, folder: String, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        let genres = try Self.readGenres(LoadedFile(path: folder + "/u.genre"), into: &builder)
        try Self.readItems(file, genres: genres, into: &builder)
    }

    /// Genre names by flag position, from `name|index` lines.
    private static func readGenres(_ file: LoadedFile, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> [String]
    {
        var byIndex: [Int: String] = [:]
        var fields: [ByteSpan] = []
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            guard !ByteText.isBlankLine(span, in: buffer) else { return }
            ByteText.split(span, in: buffer, separator: [UInt8(ascii: "|")], into: &fields)
            guard fields.count == 2, let index = ByteText.parseInt(fields[1], in: buffer), index >= 0,
                index < 1000, byIndex[Int(index)] == nil
            else {
                try builder.reject(file, line: line, "expected `genre|index` with a new index")
                return
            }
            byIndex[Int(index)] = ByteText.latin1String(fields[0], in: buffer)
        }
        return (0..<byIndex.count).map { byIndex[$0] ?? "genre \($0)" }
    }

    private static func readItems(
        _ file: LoadedFile, genres: [String], into builder: inout RawDatasetBuilder
    ) throws(DataReadError) {
        let expected = 5 + genres.count
        var fields: [ByteSpan] = []
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            guard !ByteText.isBlankLine(span, in: buffer) else { return }
            ByteText.split(span, in: buffer, separator: [UInt8(ascii: "|")], into: &fields)
            guard fields.count == expected else {
                try builder.reject(file, line: line, "expected \(expected) `|`-separated fields, found \(fields.count)")
                return
            }
            guard !fields[0].isEmpty else {
                try builder.reject(file, line: line, "empty movie id")
                return
            }
            var names: [String] = []
            for (offset, genre) in genres.enumerated() {
                let flag = ByteText.parseInt(fields[5 + offset], in: buffer)
                guard flag == 0 || flag == 1 else {
                    try builder.reject(file, line: line, "genre flag \(offset + 1) is not 0 or 1")
                    return
                }
                if flag == 1 { names.append(genre) }
            }
            let text = { (index: Int) in ByteText.latin1String(fields[index], in: buffer) }
            builder.setAttributes(
                [
                    ItemAttribute(key: "title", value: text(1)),
                    ItemAttribute(key: "release date", value: text(2), kind: .date),
                    ItemAttribute(key: "video release date", value: text(3), kind: .date),
                    ItemAttribute(key: "IMDb URL", value: text(4), kind: .url),
                    ItemAttribute(key: "genres", value: names.joined(separator: ", ")),
                ], item: fields[0], in: buffer)
        }
    }
}
