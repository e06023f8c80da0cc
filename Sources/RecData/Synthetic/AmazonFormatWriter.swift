import Foundation

// MARK: - Writing Amazon-style files

/// Writes a dataset as Amazon-style `sequences.txt` + `items.tsv`, which `AmazonReader` reads back.
public enum AmazonFormatWriter {
    /// Why writing failed.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        /// The file that could not be written.
        public let path: String
        /// The underlying error's description.
        public let reason: String

        public var description: String { "cannot write \(self.path): \(self.reason)" }
    }

    /// Writes `sequences.txt` (original user id, then original item ids in order) and `items.tsv` (header `item_id`
    /// then every attribute key in first-seen order; TABs and line breaks in values become spaces).
    /// - Parameter folder: created if missing.
    /// - Throws: `WriteError` naming the file.
    public static func write(_ dataset: SequentialDataset, to folder: String) throws(WriteError) {
        var sequences = ""
        for (user, sequence) in dataset.sequences.enumerated() {
            sequences += dataset.userIDs[user]
            for item in sequence { sequences += " " + dataset.itemIDs[Int(item)] }
            sequences += "\n"
        }
        var keys: [String] = []
        for attributes in dataset.itemAttributes {
            for attribute in attributes where !keys.contains(attribute.key) { keys.append(attribute.key) }
        }
        var items = (["item_id"] + keys).map(Self.clean).joined(separator: "\t") + "\n"
        for (item, attributes) in dataset.itemAttributes.enumerated() {
            let values = keys.map { key in attributes.first { $0.key == key }?.value ?? "" }
            items += ([dataset.itemIDs[item]] + values).map(Self.clean).joined(separator: "\t") + "\n"
        }
        try Self.save(sequences, folder: folder, name: "sequences.txt")
        try Self.save(items, folder: folder, name: "items.tsv")
    }

    private static func clean(_ value: String) -> String {
        String(value.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }

    private static func save(_ text: String, folder: String, name: String) throws(WriteError) {
        let path = folder + "/" + name
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw WriteError(path: path, reason: "\(error)")
        }
    }
}
