// MARK: - RecBole atomic files

/// Reads RecBole atomic files: `<name>.inter` and, when present, `<name>.item`, TAB-separated with `name:type`
/// headers (`token`, `token_seq`, `float`, `float_seq`). Interactions need `user_id` and `item_id`; `timestamp` orders
/// them when present, else file order does. `token_seq` values stay space-separated in the item text.
enum RecBoleReader: FormatReader {
    static func readInteractions(folder: String, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> InteractionTime
    {
        guard let inter = Self.interactionFile(folder: folder) else { throw .missingFile(path: folder + "/*.inter") }
        let hasTime = try Self.readInteractions(LoadedFile(path: folder + "/" + inter), into: &builder)
        return hasTime ? .timestamp : .sequencePosition
    }

    static func itemFile(folder: String) -> String {
        folder + "/" + (Self.interactionFile(folder: folder) ?? ".inter").dropLast(".inter".count) + ".item"
    }

    static func readItems(_ file: LoadedFile, folder: String, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
    {
        try TabularItems.read(file, into: &builder, column: Self.attributeColumn)
    }

    /// The first `*.inter` file of the folder.
    private static func interactionFile(folder: String) -> String? {
        DatasetFolder.files(in: folder).first { $0.hasSuffix(".inter") }
    }

    /// Reads the interactions; returns whether they carry a timestamp field.
    private static func readInteractions(_ file: LoadedFile, into builder: inout RawDatasetBuilder)
        throws(DataReadError) -> Bool
    {
        var fields: [ByteSpan] = []
        var layout: (user: Int, item: Int, time: Int?, count: Int)?
        var position = 0.0
        try file.forEachLine { (line, buffer, span) throws(DataReadError) in
            ByteText.split(span, in: buffer, separator: [ByteText.tab], into: &fields)
            guard let columns = layout else {
                let names = fields.map { Self.fieldName(ByteText.utf8String($0, in: buffer)) }
                guard let user = names.firstIndex(of: "user_id"), let item = names.firstIndex(of: "item_id") else {
                    throw .malformedRow(
                        MalformedRow(file: file.name, line: line, reason: "header needs user_id and item_id fields"))
                }
                layout = (user, item, names.firstIndex(of: "timestamp"), names.count)
                return
            }
            guard !ByteText.isBlankLine(span, in: buffer) else { return }
            guard fields.count == columns.count else {
                try builder.reject(
                    file, line: line, "expected \(columns.count) TAB-separated fields, found \(fields.count)")
                return
            }
            var time = position
            if let timeColumn = columns.time {
                guard let value = ByteText.parseNumber(fields[timeColumn], in: buffer) else {
                    try builder.reject(file, line: line, "timestamp is not a number")
                    return
                }
                time = value
            }
            guard !fields[columns.user].isEmpty, !fields[columns.item].isEmpty else {
                try builder.reject(file, line: line, "empty user or item id")
                return
            }
            builder.addInteraction(user: fields[columns.user], item: fields[columns.item], time: time, in: buffer)
            position += 1
        }
        return layout?.time != nil
    }

    /// The field name of a `name:type` header cell.
    private static func fieldName(_ cell: String) -> String {
        String(cell.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// The attribute key and kind of a `name:type` header cell of an `.item` file.
    private static func attributeColumn(_ cell: String) -> (String, AttributeKind) {
        let parts = cell.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let type = parts.count > 1 ? parts[1] : "token"
        if type.hasPrefix("float") { return (name, .number) }
        let kind = AttributeKind.inferred(fromColumnName: name)
        return (name, kind)
    }
}
