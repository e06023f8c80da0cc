// MARK: - Amazon-style sequences

/// Reads Amazon-style data: `sequences.txt` (one user per line: the user id, then that user's item ids in order,
/// separated by spaces) and, when present, `items.tsv` (TAB-separated with a header row; the first column is the item
/// id used in `sequences.txt`, the others are attributes named by the header). Ids are tokens, so they may start at
/// 0 or 1 or be strings.
enum AmazonReader: FormatReader {
    static func readInteractions(folder: String, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> InteractionTime
    {
        try Self.readSequences(LoadedFile(path: folder + "/sequences.txt"), into: &builder)
        return .sequencePosition
    }

    static func itemFile(folder: String) -> String { folder + "/items.tsv" }

    static func readItems(_ file: LoadedFile, folder: String, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        try TabularItems.read(file, into: &builder) { name in (name, AttributeKind.inferred(fromColumnName: name)) }
    }

    /// A line with a user id and no items holds no interactions and is passed over, as the peer script does.
    private static func readSequences(_ file: LoadedFile, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        var fields: [ByteSpan] = []
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            ByteText.splitWhitespace(span, in: buffer, into: &fields)
            guard fields.count > 1 else { return }
            let before = builder.users.count
            let user = builder.users.intern(fields[0], in: buffer)
            guard builder.users.count > before else {
                try builder.reject(file, line: line, "user \(builder.users.names[Int(user)]) already had a line")
                return
            }
            for position in 1..<fields.count {
                builder.addInteraction(user: fields[0], item: fields[position], time: Double(position - 1), in: buffer)
            }
        }
    }
}

// MARK: - TAB-separated item tables

/// Item tables with a header row, TAB-separated: the first column is the item id, the others are attributes.
enum TabularItems {
    /// Reads the table; `column` maps a header cell to the attribute key and kind it names.
    static func read(
        _ file: LoadedFile, into builder: inout RawDatasetBuilder, column: (String) -> (String, AttributeKind)
    ) throws(DataReadError) {
        var fields: [ByteSpan] = []
        var columns: [(key: String, kind: AttributeKind)] = []
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            if columns.isEmpty {
                ByteText.split(span, in: buffer, separator: [ByteText.tab], into: &fields)
                columns = fields.map { column(ByteText.utf8String(ByteText.trimmed($0, in: buffer), in: buffer)) }
                guard columns.count >= 1, !columns[0].key.isEmpty else {
                    throw .malformedRow(MalformedRow(file: file.name, line: line, reason: "missing header row"))
                }
                return
            }
            guard !ByteText.isBlankLine(span, in: buffer) else { return }
            ByteText.split(span, in: buffer, separator: [ByteText.tab], into: &fields)
            guard fields.count == columns.count else {
                try builder.reject(
                    file, line: line, "expected \(columns.count) TAB-separated fields, found \(fields.count)")
                return
            }
            let id = ByteText.trimmed(fields[0], in: buffer)
            guard !id.isEmpty else {
                try builder.reject(file, line: line, "empty item id")
                return
            }
            var attributes: [ItemAttribute] = []
            for index in 1..<fields.count {
                let value = ByteText.utf8String(ByteText.trimmed(fields[index], in: buffer), in: buffer)
                attributes.append(ItemAttribute(key: columns[index].key, value: value, kind: columns[index].kind))
            }
            builder.setAttributes(attributes, item: id, in: buffer)
        }
    }
}
