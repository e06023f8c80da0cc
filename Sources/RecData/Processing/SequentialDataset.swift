// MARK: - Sequential datasets

/// Time-ordered user histories over dense ids: users `0..<userCount`, items `0..<itemCount`, with the original ids
/// and item text kept for display.
public struct SequentialDataset: Sendable {
    /// Each user's items, oldest first: `[userCount][n_u]` dense item ids.
    public let sequences: [[Int32]]
    /// The original id of each dense user.
    public let userIDs: [String]
    /// The original id of each dense item.
    public let itemIDs: [String]
    /// Each dense item's attributes.
    public let itemAttributes: [[ItemAttribute]]
    /// Each dense item's flattened text (empty when it has none).
    public let itemTexts: [String]

    /// Builds a dataset from dense sequences.
    /// - Precondition: every item id is in `0..<itemIDs.count`; `itemAttributes.count == itemIDs.count`;
    ///   `userIDs.count == sequences.count`.
    public init(
        sequences: [[Int32]], userIDs: [String], itemIDs: [String], itemAttributes: [[ItemAttribute]],
        text: ItemTextFormatter = ItemTextFormatter()
    ) {
        precondition(userIDs.count == sequences.count, "one user id per sequence")
        precondition(itemAttributes.count == itemIDs.count, "one attribute list per item")
        precondition(
            sequences.allSatisfy { $0.allSatisfy { $0 >= 0 && Int($0) < itemIDs.count } }, "item id out of range")
        self.sequences = sequences
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.itemAttributes = itemAttributes
        self.itemTexts = itemAttributes.map { text.text(for: $0) }
    }

    /// The number of users.
    public var userCount: Int { self.sequences.count }
    /// The number of items (the size of the ranking).
    public var itemCount: Int { self.itemIDs.count }
    /// The number of interactions.
    public var interactionCount: Int { self.sequences.reduce(0) { $0 + $1.count } }
}

// MARK: - Preparation

/// How raw interactions become sequences.
public struct PreparationOptions: Sendable, Equatable {
    /// k of the k-core filter: users and items with fewer than k interactions are removed, repeatedly, until none is
    /// left; 0 or 1 turns it off (the default, as in the peer script).
    public var coreK: Int
    /// Users with fewer items are dropped after k-core filtering; at least 3, because leave-one-out needs a training
    /// item besides the validation and test items (the peer script's rule).
    public var minimumSequenceLength: Int
    /// How item text is made.
    public var text: ItemTextFormatter

    /// Options; the defaults follow the peer script (no k-core, users with at least 3 items, all text attributes).
    public init(coreK: Int = 0, minimumSequenceLength: Int = 3, text: ItemTextFormatter = ItemTextFormatter()) {
        self.coreK = coreK
        self.minimumSequenceLength = minimumSequenceLength
        self.text = text
    }
}

extension SequentialDataset {
    /// Orders, filters and re-indexes raw interactions, following the peer script's protocol.
    ///
    /// 1. Each user's interactions are ordered by time; equal times keep file order.
    /// 2. k-core filtering (`options.coreK`) by interaction counts, iterated to a fixed point.
    /// 3. The item set is every item left in some sequence; then users shorter than
    ///    `max(3, options.minimumSequenceLength)` are dropped (their items stay in the ranking, as in the peer).
    /// 4. Users and items get dense ids in the order of their original ids (numeric ids by value).
    /// Repeated interactions with the same item are kept.
    public static func prepare(_ raw: RawDataset, options: PreparationOptions = PreparationOptions())
        -> SequentialDataset
    {
        var histories = Self.orderedHistories(raw)
        KCoreFilter.apply(k: options.coreK, histories: &histories, itemCount: raw.items.count)
        var itemUsed = [Bool](repeating: false, count: raw.items.count)
        for history in histories { for item in history { itemUsed[Int(item)] = true } }
        let minimumLength = max(3, options.minimumSequenceLength)
        let keptUsers = histories.indices.filter { histories[$0].count >= minimumLength }.map { Int32($0) }
        let userOrder = raw.users.indicesSortedByName(keptUsers)
        let itemOrder = raw.items.indicesSortedByName(itemUsed.indices.filter { itemUsed[$0] }.map { Int32($0) })
        var denseItem = [Int32](repeating: -1, count: raw.items.count)
        for (dense, rawItem) in itemOrder.enumerated() { denseItem[Int(rawItem)] = Int32(dense) }
        return SequentialDataset(
            sequences: userOrder.map { user in histories[Int(user)].map { denseItem[Int($0)] } },
            userIDs: userOrder.map { raw.users.names[Int($0)] },
            itemIDs: itemOrder.map { raw.items.names[Int($0)] },
            itemAttributes: itemOrder.map { raw.attributes[Int($0)] },
            text: options.text)
    }

    /// Each raw user's raw items ordered by time, ties broken by file order.
    static func orderedHistories(_ raw: RawDataset) -> [[Int32]] {
        var counts = [Int](repeating: 0, count: raw.users.count)
        for interaction in raw.interactions { counts[Int(interaction.user)] += 1 }
        var byUser = [[Int]](repeating: [], count: raw.users.count)
        for user in byUser.indices { byUser[user].reserveCapacity(counts[user]) }
        for (index, interaction) in raw.interactions.enumerated() { byUser[Int(interaction.user)].append(index) }
        return byUser.map { indices in
            let interactions = raw.interactions
            let ordered = indices.sorted { left, right in
                let leftTime = interactions[left].time
                let rightTime = interactions[right].time
                return leftTime != rightTime ? leftTime < rightTime : left < right
            }
            return ordered.map { interactions[$0].item }
        }
    }
}

// MARK: - Loading and preparing in one call

extension SequentialDataset {
    /// Reads a dataset folder and prepares it: `DatasetLoader.load` then `prepare`.
    /// - Parameters:
    ///   - format: the reader (`data.format`); `.auto` detects it.
    ///   - folder: the dataset folder (`data.path`).
    ///   - options: k-core, minimum length and item text (`data.text_fields`).
    ///   - malformedRows: skip and count malformed rows, or fail on the first.
    /// - Returns: the prepared dataset and what the reader reported.
    /// - Throws: `DataReadError` naming the file (and line) at fault.
    public static func load(
        format: DatasetFormat, folder: String, options: PreparationOptions = PreparationOptions(),
        malformedRows: MalformedRowPolicy = .fail
    ) throws(DataReadError) -> (dataset: SequentialDataset, report: ReadReport) {
        let loaded = try DatasetLoader.load(
            format: format, folder: folder, text: options.text, malformedRows: malformedRows)
        return (Self.prepare(loaded.raw, options: options), loaded.report)
    }
}
