import Foundation

// MARK: - Hard negatives

/// Finds, for every item, the items most similar to it in text that never co-occur with it in a training history:
/// the hard negatives of MixRec's "distinguish hard samples" task.
///
/// Similarity is the TF-IDF cosine over lower-cased words (runs of ASCII letters and digits; other bytes ≥ 0x80 count
/// as letters). Words in more than `maxDocumentFrequency` of the items are treated as stop words (this drops the
/// `key:` names of the flattened text), which also bounds the cost of the inverted-index pass.
public struct HardNegativeMiner: Sendable {
    /// Hard negatives per item (m).
    public var count: Int
    /// Words in more than this fraction of items are ignored.
    public var maxDocumentFrequency: Double
    /// When set, lists shorter than `count` are topped up with random items (seeded per item) that are not the item,
    /// do not co-occur with it and are not listed yet, so the task sees `count` negatives wherever such items exist
    /// (at most `8 × count` draws per item).
    public var fillSeed: UInt64?

    /// A miner of `count` negatives per item that ignores words in more than `maxDocumentFrequency` of the items.
    public init(count: Int, maxDocumentFrequency: Double = 0.1, fillSeed: UInt64? = nil) {
        precondition(count > 0, "count must be positive")
        self.count = count
        self.maxDocumentFrequency = maxDocumentFrequency
        self.fillSeed = fillSeed
    }

    /// The hard negatives of every item.
    /// - Parameters:
    ///   - itemTexts: `[itemCount]` item texts, indexed by dense item id.
    ///   - trainingSequences: each user's training items (co-occurrence is counted only there).
    /// - Returns: `[itemCount][≤ count]` item ids, most similar first (ties by lower id), then any random fill;
    ///   fewer than `count` when fewer items share a word with the item and never co-occur with it (and no fill
    ///   found more).
    public func mine(itemTexts: [String], trainingSequences: [ArraySlice<Int32>]) -> [[Int32]] {
        let itemCount = itemTexts.count
        let vectors = TFIDFVectors(texts: itemTexts, maxDocumentFrequency: self.maxDocumentFrequency)
        var usersOfItem = [[Int32]](repeating: [], count: itemCount)
        for (user, sequence) in trainingSequences.enumerated() {
            for item in sequence where usersOfItem[Int(item)].last != Int32(user) {
                usersOfItem[Int(item)].append(Int32(user))
            }
        }
        var similarity = [Double](repeating: 0, count: itemCount)
        var touched: [Int32] = []
        var coOccurring = [Int32](repeating: -1, count: itemCount)
        var result: [[Int32]] = []
        result.reserveCapacity(itemCount)
        for item in 0..<itemCount {
            vectors.accumulateDotProducts(of: item, into: &similarity, touched: &touched)
            for user in usersOfItem[item] {
                for other in trainingSequences[Int(user)] { coOccurring[Int(other)] = Int32(item) }
            }
            var best = TopScored(capacity: self.count)
            for other in touched {
                let score = similarity[Int(other)]
                similarity[Int(other)] = 0
                guard Int(other) != item, coOccurring[Int(other)] != Int32(item), score > 0 else { continue }
                best.offer(other, score: score / (vectors.norms[item] * vectors.norms[Int(other)]))
            }
            touched.removeAll(keepingCapacity: true)
            var negatives = best.items
            if let seed = self.fillSeed {
                var random = SeededRandom(seed: seed, stream: UInt64(item))
                var draws = 0
                while negatives.count < self.count && draws < 8 * self.count {
                    draws += 1
                    let other = Int32(random.nextInt(below: itemCount))
                    guard Int(other) != item, coOccurring[Int(other)] != Int32(item), !negatives.contains(other) else {
                        continue
                    }
                    negatives.append(other)
                }
            }
            result.append(negatives)
        }
        return result
    }
}

// MARK: - Top-m selection

/// The `capacity` best-scored items seen so far, best first; equal scores rank the lower id first.
struct TopScored {
    let capacity: Int
    private(set) var entries: [(item: Int32, score: Double)] = []

    init(capacity: Int) {
        self.capacity = capacity
        self.entries.reserveCapacity(capacity + 1)
    }

    /// The kept items, best first.
    var items: [Int32] { self.entries.map(\.item) }

    /// Keeps the item if it is among the best so far.
    mutating func offer(_ item: Int32, score: Double) {
        if self.entries.count == self.capacity, let worst = self.entries.last, !Self.precedes((item, score), worst) {
            return
        }
        var index = self.entries.count
        while index > 0 && Self.precedes((item, score), self.entries[index - 1]) { index -= 1 }
        self.entries.insert((item, score), at: index)
        if self.entries.count > self.capacity { self.entries.removeLast() }
    }

    private static func precedes(_ left: (item: Int32, score: Double), _ right: (item: Int32, score: Double)) -> Bool {
        left.score != right.score ? left.score > right.score : left.item < right.item
    }
}

// MARK: - TF-IDF vectors

/// Sparse TF-IDF vectors of item texts with an inverted index.
struct TFIDFVectors {
    /// Each item's (word, weight) pairs.
    let terms: [[(word: Int32, weight: Double)]]
    /// Each word's (item, weight) postings, for words in at least two items.
    let postings: [[(item: Int32, weight: Double)]]
    /// Each item's Euclidean norm (1 for items without kept words, to avoid dividing by 0).
    let norms: [Double]

    init(texts: [String], maxDocumentFrequency: Double) {
        var vocabulary: [String: Int32] = [:]
        let counted: [[Int32: Int]] = texts.map { text in
            var counts: [Int32: Int] = [:]
            for word in Self.words(text) {
                let next = Int32(vocabulary.count)
                let id = vocabulary[word, default: next]
                if id == next { vocabulary[word] = id }
                counts[id, default: 0] += 1
            }
            return counts
        }
        var documentFrequency = [Int](repeating: 0, count: vocabulary.count)
        for counts in counted { for word in counts.keys { documentFrequency[Int(word)] += 1 } }
        let itemCount = Double(max(texts.count, 1))
        let cap = max(2.0, maxDocumentFrequency * itemCount)
        var postings = [[(item: Int32, weight: Double)]](repeating: [], count: vocabulary.count)
        var terms: [[(word: Int32, weight: Double)]] = []
        var norms: [Double] = []
        for (item, counts) in counted.enumerated() {
            var vector: [(word: Int32, weight: Double)] = []
            for (word, count) in counts.sorted(by: { $0.key < $1.key }) {
                let frequency = documentFrequency[Int(word)]
                guard Double(frequency) <= cap else { continue }
                let weight = (1 + log(Double(count))) * log(itemCount / Double(frequency))
                vector.append((word, weight))
                if frequency >= 2 { postings[Int(word)].append((Int32(item), weight)) }
            }
            let norm = vector.reduce(0) { $0 + $1.weight * $1.weight }.squareRoot()
            norms.append(norm > 0 ? norm : 1)
            terms.append(vector)
        }
        self.terms = terms
        self.postings = postings
        self.norms = norms
    }

    /// Adds the dot product of `item`'s vector with every item sharing a word into `similarity`, listing each item
    /// first reached in `touched`.
    func accumulateDotProducts(of item: Int, into similarity: inout [Double], touched: inout [Int32]) {
        for (word, weight) in self.terms[item] {
            for (other, otherWeight) in self.postings[Int(word)] {
                if similarity[Int(other)] == 0 { touched.append(other) }
                similarity[Int(other)] += weight * otherWeight
            }
        }
    }

    /// Lower-cased words: runs of ASCII letters and digits, with bytes ≥ 0x80 counted as letters.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in text.lowercased().utf8 {
            let isWordByte =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte >= 0x80
            if isWordByte {
                current.append(byte)
            } else if !current.isEmpty {
                words.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }
}
