import RecData

/// One rank's part of a global mini-batch, with the global counts its losses are normalised by, so that the
/// gradients summed over a data-parallel group equal those of the whole batch on one process.
struct TrainingBatch {
    /// This rank's users' input windows (oldest first) and next-item targets, position by position.
    let windows: [[Int]]
    let targets: [[Int]]
    /// The same users' longer histories for the collaborative model (each ends where its window ends) and their
    /// next-item targets.
    let collaborativeHistories: [[Int]]
    let collaborativeTargets: [[Int]]
    /// This rank's share of the global batch's distinct items, for the alignment and hard-sample tasks: items its
    /// own windows hold (``alignmentShare(of:shard:)``).
    let alignItems: [Int]
    /// `[SEQ]` positions in the global batch.
    let globalPositions: Int
    /// Collaborative-model positions in the global batch.
    let globalCollaborativePositions: Int
    /// Distinct items in the global batch.
    let globalItems: Int
    /// Distinct items in the global batch with a full list of hard negatives.
    let globalHardItems: Int
    /// When training excludes the history, per row of `targets` (flattened) the items its softmax leaves out: the
    /// user's earlier items other than the target.
    let excludedItems: [[Int]]?
    /// Items every softmax leaves out: the cold items (`eval.cold_items`), which training must not know.
    let unavailableItems: [Int]
    /// The split and the collaborative windows, for `collaborativeExcludedItems` (built only when its loss runs).
    private let split: LeaveOneOutSplit
    private let collaborativeWindows: [TrainingWindow]
    private let excludeHistory: Bool

    /// This rank's part of `users`, the global batch.
    init(
        users: [Int32], split: LeaveOneOutSplit, maximumHistory: Int, collaborativeHistory: Int,
        hardNegatives: [[Int32]], negativeCount: Int, excludeHistory: Bool = false, shard: DataParallelShard
    ) {
        let long = users.map { split.trainingWindow(user: $0, maxLength: collaborativeHistory) }
        let windows = long.map { split.trainingWindow(user: $0.user, maxLength: maximumHistory) }
        let distinct = Array(Set(windows.flatMap { $0.inputs.map { Int($0) } })).sorted()
        self.globalPositions = windows.reduce(0) { $0 + $1.inputs.count }
        self.globalCollaborativePositions = long.reduce(0) { $0 + $1.inputs.count }
        self.globalItems = distinct.count
        self.globalHardItems =
            negativeCount == 0 ? 0 : distinct.filter { hardNegatives[$0].count >= negativeCount }.count
        let mine = shard.part(of: windows)
        self.windows = mine.map { $0.inputs.map { Int($0) } }
        self.targets = mine.map { $0.targets.map { Int($0) } }
        let mineLong = shard.part(of: long)
        self.collaborativeHistories = mineLong.map { $0.inputs.map { Int($0) } }
        self.collaborativeTargets = mineLong.map { $0.targets.map { Int($0) } }
        self.excludedItems = excludeHistory ? split.excludedItems(mine) : nil
        self.unavailableItems = split.unavailableItems
        (self.split, self.collaborativeWindows, self.excludeHistory) = (split, Array(mineLong), excludeHistory)
        self.alignItems = Self.alignmentShare(of: windows.map { Array($0.inputs) }, shard: shard)
    }

    /// The distinct items of the global batch's `windows` that `shard` aligns. Every item goes to exactly one part
    /// whose windows hold it, so a rank aligns only items it encodes for its sequences anyway; an item several
    /// parts hold goes to the one of them with the fewest items so far (in item order, after the items only one
    /// part holds), which keeps the parts' alignment work even. Every rank computes the same assignment.
    static func alignmentShare(of windows: [[Int32]], shard: DataParallelShard) -> [Int] {
        let parts = (0..<shard.worldSize).map { rank in
            Set(DataParallelShard(rank: rank, worldSize: shard.worldSize).part(of: windows).joined().map(Int.init))
        }
        let distinct = parts.reduce(into: Set<Int>()) { $0.formUnion($1) }.sorted()
        var counts = [Int](repeating: 0, count: parts.count)
        var holders: [(item: Int, parts: [Int])] = []
        var share: [Int] = []
        for item in distinct {
            let holding = parts.indices.filter { parts[$0].contains(item) }
            if holding.count == 1 {
                counts[holding[0]] += 1
                if holding[0] == shard.rank { share.append(item) }
            } else {
                holders.append((item, holding))
            }
        }
        for (item, holding) in holders {
            let owner = holding.min { (counts[$0], $0) < (counts[$1], $1) } ?? holding[0]
            counts[owner] += 1
            if owner == shard.rank { share.append(item) }
        }
        return share.sorted()
    }

    /// `excludedItems` for `collaborativeTargets`; built on use, since a frozen collaborative model has no loss.
    var collaborativeExcludedItems: [[Int]]? {
        self.excludeHistory ? self.split.excludedItems(self.collaborativeWindows) : nil
    }

    /// Every item this rank must encode: its windows' items (its alignment share is among them).
    var encodedItems: [Int] {
        Array(Set(self.windows.joined())).sorted()
    }
}

extension LeaveOneOutSplit {
    /// The items no training softmax may rank: the cold items, as if they did not exist yet.
    var unavailableItems: [Int] { self.coldItems?.items.map { Int($0) } ?? [] }

    /// Per target of `windows`, in order, the items its softmax leaves out when training excludes the history
    /// (``LeaveOneOutSplit/earlierItems(of:)``).
    func excludedItems(_ windows: some Sequence<TrainingWindow>) -> [[Int]] {
        windows.flatMap { self.earlierItems(of: $0).map { $0.map { Int($0) } } }
    }
}
