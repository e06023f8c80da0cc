// MARK: - Raw datasets

/// One user–item interaction as read from the files, in raw (first-seen) indices.
public struct RawInteraction: Sendable, Equatable {
    /// Raw user index into `RawDataset.users`.
    public var user: Int32
    /// Raw item index into `RawDataset.items`.
    public var item: Int32
    /// The unix timestamp, or the position in the user's sequence when the format has no timestamps.
    public var time: Double

    /// An interaction of raw user and item indices at `time`.
    public init(user: Int32, item: Int32, time: Double) {
        self.user = user
        self.item = item
        self.time = time
    }
}

/// What `RawInteraction.time` means.
public enum InteractionTime: String, Sendable {
    /// Unix timestamps (MovieLens, RecBole files with a timestamp field).
    case timestamp
    /// Positions in each user's sequence (Amazon `sequences.txt`, RecBole files without timestamps).
    case sequencePosition
}

/// The kind of an item attribute; item text uses `.text` attributes by default.
public enum AttributeKind: String, Sendable {
    /// Free text: titles, genres, brands, categories.
    case text
    /// An identifier such as an ASIN or an id column.
    case identifier
    /// A web address.
    case url
    /// A date (MovieLens release dates; the year is already in the title).
    case date
    /// A number (RecBole `float` fields).
    case number
}

/// One attribute of an item: a key named by the file (e.g. "title"), its value and its kind.
public struct ItemAttribute: Sendable, Equatable {
    /// The attribute name, e.g. "title" (a header cell or a reader's fixed name).
    public var key: String
    /// The value as text (decoded from Latin-1 where the format is Latin-1).
    public var value: String
    /// What kind of value it is; item text uses `.text` attributes by default.
    public var kind: AttributeKind

    /// An attribute; free text unless `kind` says otherwise.
    public init(key: String, value: String, kind: AttributeKind = .text) {
        self.key = key
        self.value = value
        self.kind = kind
    }
}

/// A dataset as read by one reader: interactions in file order, original ids and item attributes.
public struct RawDataset: Sendable {
    /// Original user ids by raw index.
    public var users: IDTable
    /// Original item ids by raw index: items that occur in interactions and items listed only in the item file.
    public var items: IDTable
    /// All interactions in file order.
    public var interactions: [RawInteraction]
    /// What `RawInteraction.time` means.
    public var timeKind: InteractionTime
    /// Each raw item's attributes in file order (empty when the item file does not list the item).
    public var attributes: [[ItemAttribute]]

    /// A dataset from its parts; `attributes` has one entry per raw item.
    public init(
        users: IDTable, items: IDTable, interactions: [RawInteraction], timeKind: InteractionTime,
        attributes: [[ItemAttribute]]
    ) {
        self.users = users
        self.items = items
        self.interactions = interactions
        self.timeKind = timeKind
        self.attributes = attributes
    }
}
