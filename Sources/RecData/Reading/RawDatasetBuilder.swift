// MARK: - Building a raw dataset

/// Accumulates what a reader finds: interned ids, interactions, item attributes and rejected rows.
struct RawDatasetBuilder {
    var users = IDTable()
    var items = IDTable()
    var interactions: [RawInteraction] = []
    var rows: MalformedRowLog
    private var attributesByItem: [Int32: [ItemAttribute]] = [:]

    init(policy: MalformedRowPolicy) {
        self.rows = MalformedRowLog(policy: policy)
    }

    /// Adds one interaction given the id spans of its user and item.
    mutating func addInteraction(
        user: ByteSpan, item: ByteSpan, time: Double, in buffer: UnsafeBufferPointer<UInt8>
    ) {
        let userIndex = self.users.intern(user, in: buffer)
        let itemIndex = self.items.intern(item, in: buffer)
        self.interactions.append(RawInteraction(user: userIndex, item: itemIndex, time: time))
    }

    /// Sets the attributes of the item whose id is spelled by `item`; attributes with empty values are dropped.
    mutating func setAttributes(_ attributes: [ItemAttribute], item: ByteSpan, in buffer: UnsafeBufferPointer<UInt8>) {
        let itemIndex = self.items.intern(item, in: buffer)
        self.attributesByItem[itemIndex] = attributes.filter { !$0.value.isEmpty }
    }

    /// Rejects a row under the builder's policy (throws under `fail`).
    mutating func reject(_ file: LoadedFile, line: Int, _ reason: String) throws(DataReadError) {
        try self.rows.reject(file: file.name, line: line, reason: reason)
    }

    /// The finished dataset.
    func build(timeKind: InteractionTime) -> RawDataset {
        var attributes = [[ItemAttribute]](repeating: [], count: self.items.count)
        for (item, values) in self.attributesByItem { attributes[Int(item)] = values }
        return RawDataset(
            users: self.users, items: self.items, interactions: self.interactions, timeKind: timeKind,
            attributes: attributes)
    }
}

// MARK: - Column kinds

extension AttributeKind {
    /// The kind of a column known only by its header name: ids and URLs by name, text otherwise.
    static func inferred(fromColumnName name: String) -> AttributeKind {
        let lowered = name.lowercased()
        if lowered == "id" || lowered == "asin" || lowered.hasSuffix("_id") || name.hasSuffix("Id") {
            return .identifier
        }
        if lowered.contains("url") { return .url }
        return .text
    }
}

// MARK: - Format readers

/// A reader of one format: an interaction file, then an optional item file.
protocol FormatReader {
    /// Reads the interactions into `builder` and says what their times mean.
    static func readInteractions(folder: String, into builder: inout RawDatasetBuilder) throws(DataReadError)
        -> InteractionTime
    /// The path of the item file, which is read only when it exists.
    static func itemFile(folder: String) -> String
    /// Reads the item file into `builder`.
    static func readItems(_ file: LoadedFile, folder: String, into builder: inout RawDatasetBuilder)
        throws(DataReadError)
}

extension FormatReader {
    /// Reads a folder: the interactions, then the item file when present.
    static func read(folder: String, policy: MalformedRowPolicy) throws(DataReadError) -> (RawDataset, MalformedRowLog)
    {
        var builder = RawDatasetBuilder(policy: policy)
        let timeKind = try Self.readInteractions(folder: folder, into: &builder)
        let itemPath = Self.itemFile(folder: folder)
        if DatasetFolder.exists(itemPath) {
            try Self.readItems(LoadedFile(path: itemPath), folder: folder, into: &builder)
        }
        return (builder.build(timeKind: timeKind), builder.rows)
    }
}
