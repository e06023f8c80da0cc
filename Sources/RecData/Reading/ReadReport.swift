// MARK: - Read reports

/// What a reader read: counts, items without text and the malformed rows it skipped.
public struct ReadReport: Sendable, CustomStringConvertible {
    /// The concrete format that was read (never `.auto`).
    public let format: DatasetFormat
    /// Distinct users with at least one interaction.
    public let userCount: Int
    /// Distinct items with at least one interaction.
    public let itemCount: Int
    /// Items the item file describes (0 when there is none).
    public let describedItemCount: Int
    /// Interactions read.
    public let interactionCount: Int
    /// Items with interactions whose text (for the chosen text fields) is empty.
    public let itemsWithoutText: Int
    /// Malformed rows skipped under the `skip` policy.
    public let skippedRowCount: Int
    /// The first few skipped rows, with file and line.
    public let skippedRowExamples: [MalformedRow]

    public var description: String {
        var text = "\(self.format.rawValue): \(self.userCount) users, \(self.itemCount) items, "
        text += "\(self.interactionCount) interactions, \(self.describedItemCount) items described, "
        text += "\(self.itemsWithoutText) items without text"
        if self.skippedRowCount > 0 {
            let examples = self.skippedRowExamples.map(\.description).joined(separator: "; ")
            text += ", \(self.skippedRowCount) malformed rows skipped (e.g. \(examples))"
        }
        return text
    }
}
