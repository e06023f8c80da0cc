// MARK: - Mini-batches of users

/// Mini-batches of users in a seeded order that changes every epoch; every rank that builds them with the same users
/// and seed gets the same global batches.
public struct UserBatches: Sendable {
    /// The users to batch (e.g. those with a non-empty training window).
    public let users: [Int32]
    /// Users per global batch.
    public let batchSize: Int
    /// The seed of the shuffles.
    public let seed: UInt64

    /// Batches of `batchSize` users, shuffled with `seed` and the epoch.
    public init(users: [Int32], batchSize: Int, seed: UInt64) {
        precondition(batchSize > 0, "batchSize must be positive")
        self.users = users
        self.batchSize = batchSize
        self.seed = seed
    }

    /// How many batches an epoch has (the last may be smaller).
    public var batchCount: Int { (self.users.count + self.batchSize - 1) / self.batchSize }

    /// The epoch's global batches: the users shuffled with `(seed, epoch)` and cut into `batchSize` runs.
    public func batches(epoch: Int) -> [[Int32]] {
        var order = self.users
        var random = SeededRandom(seed: self.seed, stream: UInt64(epoch))
        random.shuffle(&order)
        return Self.cut(order, by: self.batchSize)
    }

    private static func cut(_ users: [Int32], by size: Int) -> [[Int32]] {
        stride(from: 0, to: users.count, by: size).map { Array(users[$0..<min($0 + size, users.count)]) }
    }
}

// MARK: - Data-parallel sharding

/// One rank's share of the users in data-parallel training: shares are deterministic, disjoint and together cover
/// every user; sizes differ by at most one.
public struct DataParallelShard: Sendable, Equatable {
    /// This process's rank in `0..<worldSize`.
    public let rank: Int
    /// The number of processes.
    public let worldSize: Int

    /// The share of process `rank` among `worldSize` processes.
    public init(rank: Int, worldSize: Int) {
        precondition(worldSize > 0 && rank >= 0 && rank < worldSize, "rank must be in 0..<worldSize")
        self.rank = rank
        self.worldSize = worldSize
    }

    /// The rank's contiguous part of a list (e.g. of a global batch): elements `⌊n·r/W⌋ ..< ⌊n·(r+1)/W⌋`.
    public func part<Element>(of elements: [Element]) -> ArraySlice<Element> {
        let start = elements.count * self.rank / self.worldSize
        let end = elements.count * (self.rank + 1) / self.worldSize
        return elements[start..<end]
    }

    /// The rank's evaluation users among `0..<userCount`.
    public func users(of userCount: Int) -> ArraySlice<Int32> {
        self.part(of: (0..<userCount).map { Int32($0) })
    }
}
