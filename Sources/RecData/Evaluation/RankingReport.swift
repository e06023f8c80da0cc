// MARK: - Ranking report

/// Full-ranking metrics of one evaluation pass, kept apart per score source (e.g. a model and its parts), per
/// history protocol and per group of cases (e.g. all cases, popular targets, rare targets).
///
/// Every cell is a ``RankingMetrics``; ``summableCounts`` adds element-wise across data-parallel shards.
public struct RankingReport: Sendable, Equatable {
    /// The score sources, in the order their score rows are given.
    public let sources: [String]
    /// Per protocol, whether the input history leaves the ranking.
    public let protocols: [Bool]
    /// The groups a case may belong to.
    public let groups: [String]
    /// Cell `(source · protocols + protocol) · groups + group`.
    private var cells: [RankingMetrics]

    /// An empty report.
    public init(sources: [String], protocols: [Bool], groups: [String]) {
        precondition(!sources.isEmpty && !protocols.isEmpty && !groups.isEmpty, "a report needs every dimension")
        self.sources = sources
        self.protocols = protocols
        self.groups = groups
        self.cells = Array(repeating: RankingMetrics(), count: sources.count * protocols.count * groups.count)
    }

    private func cell(_ source: Int, _ protocolIndex: Int, _ group: Int) -> Int {
        (source * self.protocols.count + protocolIndex) * self.groups.count + group
    }

    /// Adds one case's rank under source `source` and protocol `protocolIndex` to each of `groups` (indices).
    public mutating func add(rank: Int, source: Int, protocolIndex: Int, groups: [Int]) {
        for group in groups { self.cells[self.cell(source, protocolIndex, group)].add(rank: rank) }
    }

    /// The metrics of a source, protocol and group (nil when the report has no such cell).
    public func metrics(source: String, excludeHistory: Bool, group: String) -> RankingMetrics? {
        guard let s = self.sources.firstIndex(of: source), let p = self.protocols.firstIndex(of: excludeHistory),
            let g = self.groups.firstIndex(of: group)
        else { return nil }
        return self.cells[self.cell(s, p, g)]
    }

    /// Every cell's ``RankingMetrics/summableCounts``, concatenated in cell order.
    public var summableCounts: [Int] { self.cells.flatMap(\.summableCounts) }

    /// The report with these dimensions whose cells hold `summableCounts` (summed over shards, say); nil when the
    /// numbers do not fit.
    public init?(sources: [String], protocols: [Bool], groups: [String], summableCounts: [Int]) {
        self.init(sources: sources, protocols: protocols, groups: groups)
        let width = RankingMetrics().summableCounts.count
        guard summableCounts.count == width * self.cells.count else { return nil }
        for index in self.cells.indices {
            guard
                let cell = RankingMetrics(
                    summableCounts: Array(summableCounts[(index * width)..<((index + 1) * width)]))
            else { return nil }
            self.cells[index] = cell
        }
    }

    /// The report of a whole data-parallel group from this rank's: the ``summableCounts`` as `Int64`, which `sum`
    /// adds element-wise over the group (exactly, as integers, whatever wire the gradients use), read back. Every
    /// rank gets the metrics of one process that ranked all the ranks' cases. Nil when the sums do not fit (ranks
    /// with different dimensions).
    public func summed<Failure: Error>(_ sum: (inout [Int64]) throws(Failure) -> Void) throws(Failure)
        -> RankingReport?
    {
        var counts = self.summableCounts.map { Int64($0) }
        try sum(&counts)
        return RankingReport(
            sources: self.sources, protocols: self.protocols, groups: self.groups,
            summableCounts: counts.map { Int($0) })
    }
}
