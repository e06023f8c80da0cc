// MARK: - Synthetic datasets

/// Settings of the synthetic dataset generator. The defaults train in seconds.
public struct SyntheticDatasetConfig: Sendable, Equatable {
    /// Users.
    public var userCount = 300
    /// Items.
    public var itemCount = 200
    /// Item clusters (product categories), at most 16; consecutive clusters form the sequential journey.
    public var clusterCount = 10
    /// Brands per cluster.
    public var brandsPerCluster = 3
    /// Shortest and longest history.
    public var historyLengths = 8...30
    /// Probability that the next item is one of the previous item's two planted successors (sequential structure).
    public var followProbability = 0.5
    /// Probability that the next item comes from one of the user's two taste clusters (collaborative structure);
    /// the rest is drawn by global popularity.
    public var tasteProbability = 0.4
    /// The seed; equal configs give equal datasets.
    public var seed: UInt64 = 2024

    /// The default settings (300 users, 200 items, 10 clusters, histories of 8–30 items).
    public init() {}
}

/// A seeded generator of sequential datasets with item titles and planted structure.
///
/// Items fall into clusters (a category noun, a few brands). Each item has two planted successors in the next cluster
/// (c + 1 mod C), so the next item is predictable from the current one (a Markov chain that text can generalise:
/// successors share their cluster's category words). Each user prefers two taste clusters (collaborative structure).
/// Titles look like "Lumora Velvet Serum 12"; attributes are `asin` (an id), `title`, `category` and `brand`.
public enum SyntheticDataset {
    /// Generates the dataset as a reader would return it: users `1…U`, items `1…I`, sequence positions as times.
    public static func generate(_ config: SyntheticDatasetConfig = SyntheticDatasetConfig()) -> RawDataset {
        precondition(
            config.clusterCount >= 1 && config.clusterCount <= SyntheticVocabulary.categories.count,
            "clusterCount must be in 1...\(SyntheticVocabulary.categories.count)")
        precondition(config.itemCount >= 2 * config.clusterCount, "need at least two items per cluster")
        precondition(config.userCount >= 1 && config.historyLengths.lowerBound >= 3, "need users with ≥ 3 items")
        var random = SeededRandom(seed: config.seed)
        let catalogue = SyntheticCatalogue(config: config, random: &random)
        var users = IDTable()
        var items = IDTable()
        for item in 0..<config.itemCount { _ = items.intern(String(item + 1)) }
        var interactions: [RawInteraction] = []
        for user in 0..<config.userCount {
            let userIndex = users.intern(String(user + 1))
            let history = catalogue.history(config: config, random: &random)
            for (position, item) in history.enumerated() {
                interactions.append(RawInteraction(user: userIndex, item: Int32(item), time: Double(position)))
            }
        }
        return RawDataset(
            users: users, items: items, interactions: interactions, timeKind: .sequencePosition,
            attributes: catalogue.attributes)
    }

    /// The generated dataset, ordered and re-indexed (dense item `i` is original item `i + 1`).
    public static func sequential(
        _ config: SyntheticDatasetConfig = SyntheticDatasetConfig(), text: ItemTextFormatter = ItemTextFormatter()
    ) -> SequentialDataset {
        SequentialDataset.prepare(Self.generate(config), options: PreparationOptions(text: text))
    }
}

// MARK: - Catalogue

/// The synthetic items: clusters, popularity, planted successors and attributes.
struct SyntheticCatalogue {
    /// Each item's cluster.
    let cluster: [Int]
    /// The items of each cluster.
    let members: [[Int]]
    /// Each item's popularity weight (Zipf-like within its cluster).
    let popularity: [Double]
    /// Each item's two planted successors in the next cluster.
    let successors: [[Int]]
    /// Each item's attributes.
    let attributes: [[ItemAttribute]]

    init(config: SyntheticDatasetConfig, random: inout SeededRandom) {
        let clusters = config.clusterCount
        var brandPool = SyntheticVocabulary.brands
        random.shuffle(&brandPool)
        var cluster: [Int] = []
        var members = [[Int]](repeating: [], count: clusters)
        var popularity: [Double] = []
        var attributes: [[ItemAttribute]] = []
        for item in 0..<config.itemCount {
            let itemCluster = item % clusters
            let (category, noun) = SyntheticVocabulary.categories[itemCluster]
            let brand = brandPool[
                (itemCluster * config.brandsPerCluster + random.nextInt(below: config.brandsPerCluster))
                    % brandPool.count]
            let adjective = SyntheticVocabulary.adjectives[random.nextInt(below: SyntheticVocabulary.adjectives.count)]
            cluster.append(itemCluster)
            popularity.append(1 / Double(members[itemCluster].count + 1).squareRoot())
            members[itemCluster].append(item)
            attributes.append([
                ItemAttribute(key: "asin", value: "SYN\(100_000 + item)", kind: .identifier),
                ItemAttribute(key: "title", value: "\(brand) \(adjective) \(noun) \(random.nextInt(below: 90) + 10)"),
                ItemAttribute(key: "category", value: category),
                ItemAttribute(key: "brand", value: brand),
            ])
        }
        self.cluster = cluster
        self.members = members
        self.popularity = popularity
        self.attributes = attributes
        self.successors = cluster.map { itemCluster in
            let next = members[(itemCluster + 1) % clusters]
            return [next[random.nextInt(below: next.count)], next[random.nextInt(below: next.count)]]
        }
    }

    /// One user's history: a first item from a taste cluster, then planted successors, taste items and popular items.
    func history(config: SyntheticDatasetConfig, random: inout SeededRandom) -> [Int] {
        let clusters = config.clusterCount
        let tastes = [random.nextInt(below: clusters), random.nextInt(below: clusters)]
        let span = config.historyLengths.upperBound - config.historyLengths.lowerBound + 1
        let length = config.historyLengths.lowerBound + random.nextInt(below: span)
        var history = [self.popular(in: tastes[random.nextInt(below: 2)], random: &random)]
        var seen: Set<Int> = [history[0]]
        while history.count < length {
            var next = 0
            for _ in 0..<8 {
                next = self.nextItem(after: history[history.count - 1], tastes: tastes, config: config, random: &random)
                if !seen.contains(next) { break }
            }
            history.append(next)
            seen.insert(next)
        }
        return history
    }

    private func nextItem(
        after previous: Int, tastes: [Int], config: SyntheticDatasetConfig, random: inout SeededRandom
    ) -> Int {
        let draw = random.nextUnit()
        if draw < config.followProbability {
            return self.successors[previous][random.nextInt(below: 2)]
        }
        if draw < config.followProbability + config.tasteProbability {
            return self.popular(in: tastes[random.nextInt(below: 2)], random: &random)
        }
        return random.pick(weights: self.popularity)
    }

    private func popular(in cluster: Int, random: inout SeededRandom) -> Int {
        let items = self.members[cluster]
        return items[random.pick(weights: items.map { self.popularity[$0] })]
    }
}
