// MARK: - Popularity buckets

/// Splits items into the `head`, the most frequent `headFraction` of items in the training sequences, and the
/// `tail`, the rest: metrics per bucket show whether a model ranks rare targets well, where item text should help
/// an ID model most.
public struct PopularityBuckets: Sendable, Equatable {
    /// The bucket names, in index order.
    public static let names = ["head", "tail"]
    /// The fraction of items in the head.
    public let headFraction: Double
    private let head: [Bool]

    /// Ranks items by their number of occurrences in `trainingSequences` (ties: the lower id first) and puts the
    /// first `round(headFraction · itemCount)` in the head.
    public init(trainingSequences: [ArraySlice<Int32>], itemCount: Int, headFraction: Double = 0.2) {
        precondition(headFraction >= 0 && headFraction <= 1, "the head fraction must be in [0, 1]")
        let counts = Self.occurrences(in: trainingSequences, itemCount: itemCount)
        let order = counts.indices.sorted { (counts[$0], $1) > (counts[$1], $0) }
        var head = [Bool](repeating: false, count: itemCount)
        for item in order.prefix(Int((headFraction * Double(itemCount)).rounded())) { head[item] = true }
        self.headFraction = headFraction
        self.head = head
    }

    /// How often each item occurs in `trainingSequences`.
    public static func occurrences(in trainingSequences: [ArraySlice<Int32>], itemCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: itemCount)
        for sequence in trainingSequences { for item in sequence { counts[Int(item)] += 1 } }
        return counts
    }

    /// The index in ``names`` of `item`'s bucket.
    public func bucket(of item: Int32) -> Int { self.head[Int(item)] ? 0 : 1 }
}
