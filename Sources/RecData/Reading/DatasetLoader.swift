// MARK: - Loading a dataset folder

/// A dataset as read from disk, with what the reader reported.
public struct LoadedDataset: Sendable {
    /// The interactions, ids and item attributes as read.
    public let raw: RawDataset
    /// Counts, items without text and skipped rows.
    public let report: ReadReport
}

/// The entry point that reads a dataset folder in a named (or detected) format.
public enum DatasetLoader {
    /// Reads a dataset folder.
    /// - Parameters:
    ///   - format: the reader to use (`data.format`); `.auto` detects it from the files.
    ///   - folder: the dataset folder (`data.path`).
    ///   - text: how item text is made (`data.text_fields`); used to count items without text and to reject fields
    ///     that no item has.
    ///   - malformedRows: skip and count malformed rows, or fail on the first one.
    /// - Throws: `DataReadError` naming the file (and line) at fault.
    public static func load(
        format: DatasetFormat, folder: String, text: ItemTextFormatter = ItemTextFormatter(),
        malformedRows: MalformedRowPolicy = .fail
    ) throws(DataReadError) -> LoadedDataset {
        guard DatasetFolder.isDirectory(folder) else { throw .folderNotFound(path: folder) }
        let concrete = format == .auto ? try DatasetFormat.detect(folder: folder) : format
        guard let reader = concrete.reader else { throw .formatNotDetected(folder: folder, files: []) }
        let (raw, rows) = try reader.read(folder: folder, policy: malformedRows)
        guard !raw.interactions.isEmpty else { throw .noInteractions(folder: folder) }
        let unknown = text.unknownFields(in: raw.attributes)
        guard unknown.isEmpty else {
            let available = Set(raw.attributes.flatMap { $0.map(\.key) }).sorted()
            throw .unknownTextField(fields: unknown, available: available)
        }
        return LoadedDataset(raw: raw, report: Self.report(raw, format: concrete, rows: rows, text: text))
    }

    private static func report(
        _ raw: RawDataset, format: DatasetFormat, rows: MalformedRowLog, text: ItemTextFormatter
    ) -> ReadReport {
        var users = [Bool](repeating: false, count: raw.users.count)
        var items = [Bool](repeating: false, count: raw.items.count)
        for interaction in raw.interactions {
            users[Int(interaction.user)] = true
            items[Int(interaction.item)] = true
        }
        let withoutText = items.indices.filter { items[$0] && text.text(for: raw.attributes[$0]).isEmpty }.count
        return ReadReport(
            format: format, userCount: users.filter { $0 }.count, itemCount: items.filter { $0 }.count,
            describedItemCount: raw.attributes.filter { !$0.isEmpty }.count,
            interactionCount: raw.interactions.count, itemsWithoutText: withoutText,
            skippedRowCount: rows.skippedCount, skippedRowExamples: rows.examples)
    }
}
