// MARK: - Item text

/// Flattens item attributes into the `key: value` text the backbone reads.
public struct ItemTextFormatter: Sendable, Equatable {
    /// The attribute keys to use, in this order; nil uses every `.text` attribute in file order (not ids, URLs,
    /// dates or numbers).
    public var fields: [String]?
    /// Placed between `key: value` pairs.
    public var separator: String

    /// - Parameters:
    ///   - fields: attribute keys in output order (`data.text_fields`); nil for every text attribute.
    ///   - separator: what joins the pairs; "; " by default.
    public init(fields: [String]? = nil, separator: String = "; ") {
        self.fields = fields
        self.separator = separator
    }

    /// The item's text, e.g. `title: Toy Story (1995); genres: Animation, Children's, Comedy`; empty when the item
    /// has none of the fields.
    public func text(for attributes: [ItemAttribute]) -> String {
        let chosen: [ItemAttribute]
        if let fields = self.fields {
            chosen = fields.compactMap { field in attributes.first { $0.key == field } }
        } else {
            chosen = attributes.filter { $0.kind == .text }
        }
        return chosen.filter { !$0.value.isEmpty }.map { "\($0.key): \($0.value)" }.joined(separator: self.separator)
    }

    /// The chosen fields that no item has, so a config naming a wrong field can be rejected.
    public func unknownFields(in attributes: [[ItemAttribute]]) -> [String] {
        guard let fields = self.fields else { return [] }
        var present = Set<String>()
        for item in attributes { for attribute in item { present.insert(attribute.key) } }
        return fields.filter { !present.contains($0) }
    }
}

// MARK: - Token budget

/// Cuts item texts to at most T tokens with a tokenizer the caller supplies (the backbone's), keeping the beginning.
public enum ItemTextTokens {
    /// Token ids of every text, each cut to its first `maxTokens` tokens.
    /// - Parameters:
    ///   - texts: one text per item, indexed by dense item id.
    ///   - maxTokens: T, the budget per item (≥ 0).
    ///   - tokenizer: maps a text to token ids, without special tokens.
    /// - Returns: `[itemCount][≤ T]` token ids.
    public static func tokenize(
        _ texts: [String], maxTokens: Int, tokenizer: (String) throws -> [Int32]
    ) rethrows -> [[Int32]] {
        precondition(maxTokens >= 0, "maxTokens must be non-negative")
        return try texts.map { Array(try tokenizer($0).prefix(maxTokens)) }
    }
}
