// MARK: - Masks

/// Which keys each query may attend to (also used by `softmax` / `logSoftmax` over `[..., queries, keys]`).
public enum AttentionMask {
    /// Every query sees every key.
    case none
    /// Query `i` sees keys `0...i + offset`; use `offset = keys − queries` when the queries are the last positions
    /// of the key sequence.
    case causal(offset: Int)
    /// Structured: groups of query rows that share a small list of allowed key ranges (see `KeyRangeMask`).
    /// Kernels skip the masked blocks instead of computing and discarding them.
    case keyRanges(KeyRangeMask)
    /// A dense additive mask, `[queries, keys]` (shared by every batch entry and head) or `[batch, queries, keys]`;
    /// `-infinity` forbids a key. It is a constant: it receives no gradient.
    case additive(Tensor)
}

/// A compact structured mask: each group lists query rows and the key ranges they may see, optionally causal.
///
/// Backbone's span masks: "own span only" is one group per span with `queryRows = span`, `keyRanges = [span]`
/// and `causalOffset = 0`; "everything before" is one group with `keyRanges = [0..<k]`, `causalOffset = 0`.
/// Query rows that no group lists see nothing: their softmax row and attention output are zero.
public struct KeyRangeMask: Sendable, Equatable {
    /// Query rows sharing the same allowed keys.
    public struct Group: Sendable, Equatable {
        /// The query rows (positions in the query sequence).
        public var queryRows: Range<Int>
        /// The allowed keys, as disjoint ranges of key positions.
        public var keyRanges: [Range<Int>]
        /// When set, query row `i` additionally sees only keys `j ≤ i + causalOffset`.
        public var causalOffset: Int?

        /// A group of query rows, their allowed key ranges and an optional causal limit.
        public init(queryRows: Range<Int>, keyRanges: [Range<Int>], causalOffset: Int? = nil) {
            self.queryRows = queryRows
            self.keyRanges = keyRanges
            self.causalOffset = causalOffset
        }
    }

    /// One list of groups shared by every batch entry, or one list per batch entry.
    public var batches: [[Group]]

    /// A mask shared by every batch entry; groups must not share query rows.
    public init(groups: [Group]) {
        self.batches = [groups]
    }

    /// A mask with its own groups for each batch entry.
    public init(perBatch: [[Group]]) {
        self.batches = perBatch
    }

    /// The groups of batch entry `batch`.
    public func groups(forBatch batch: Int) -> [Group] {
        self.batches.count == 1 ? self.batches[0] : self.batches[batch]
    }

    /// The equivalent dense additive mask `[batch, queries, keys]` (0 allowed, −∞ forbidden), e.g. for tests.
    public func additiveMask(batch: Int, queries: Int, keys: Int) -> Tensor {
        let mask = Tensor(repeating: -.infinity, shape: [batch, queries, keys])
        for entry in 0..<batch {
            for group in self.groups(forBatch: entry) {
                for row in group.queryRows {
                    let limit = group.causalOffset.map { row + $0 + 1 } ?? keys
                    for range in group.keyRanges {
                        for key in range where key < limit {
                            mask.pointer[(entry * queries + row) * keys + key] = 0
                        }
                    }
                }
            }
        }
        return mask
    }
}

// MARK: - Blocks

/// A rectangle of the score matrix to compute: rows × key ranges, with an optional causal limit inside.
struct ScoreBlock {
    var rows: Range<Int>
    var keyRanges: [Range<Int>]
    var causalOffset: Int?

    /// The end of the keys `row` may see within `range` (the causal cut; `range.upperBound` when not causal).
    @inline(__always)
    func end(of range: Range<Int>, row: Int) -> Int {
        guard let causalOffset else { return range.upperBound }
        return max(range.lowerBound, min(range.upperBound, row + causalOffset + 1))
    }

    /// The key ranges any row of the block needs (cut by the block's last row when causal).
    var computedRanges: [Range<Int>] {
        guard let last = self.rows.last else { return [] }
        return self.keyRanges.compactMap { range in
            let end = self.end(of: range, row: last)
            return end > range.lowerBound ? range.lowerBound..<end : nil
        }
    }
}

extension AttentionMask {
    /// Query rows per block when a causal group is split, so that blocks above the diagonal are skipped.
    static let causalTile = 64

    /// The blocks of batch entry `batch` for `queries × keys` scores (masked blocks are absent).
    func blocks(batch: Int, queries: Int, keys: Int) -> [ScoreBlock] {
        switch self {
        case .none, .additive:
            return [ScoreBlock(rows: 0..<queries, keyRanges: [0..<keys], causalOffset: nil)]
        case .causal(let offset):
            return Self.tiled(ScoreBlock(rows: 0..<queries, keyRanges: [0..<keys], causalOffset: offset))
        case .keyRanges(let mask):
            return mask.groups(forBatch: batch).flatMap { group in
                for range in group.keyRanges {
                    precondition(
                        range.lowerBound >= 0 && range.upperBound <= keys, "mask: key range \(range) of \(keys)")
                }
                precondition(group.queryRows.upperBound <= queries, "mask: rows \(group.queryRows) of \(queries)")
                let block = ScoreBlock(
                    rows: group.queryRows, keyRanges: group.keyRanges, causalOffset: group.causalOffset)
                return Self.tiled(block)
            }
        }
    }

    /// Splits a causal block into row tiles so each tile computes only keys up to its own last row.
    private static func tiled(_ block: ScoreBlock) -> [ScoreBlock] {
        guard block.causalOffset != nil, block.rows.count > Self.causalTile else { return [block] }
        return stride(from: block.rows.lowerBound, to: block.rows.upperBound, by: Self.causalTile).map { start in
            var tile = block
            tile.rows = start..<min(start + Self.causalTile, block.rows.upperBound)
            return tile
        }
    }

    /// The dense additive values for batch entry `batch` (`nil` unless `.additive`), `[queries, keys]`.
    func additiveValues(batch: Int, queries: Int, keys: Int) -> UnsafePointer<Float>? {
        guard case .additive(let mask) = self else { return nil }
        precondition(
            mask.shape == [queries, keys] || (mask.rank == 3 && Array(mask.shape.dropFirst()) == [queries, keys]),
            "additive mask \(mask.shape) for \(queries) × \(keys) scores")
        let perBatch = mask.rank == 3 && mask.shape[0] > 1 ? batch : 0
        return UnsafePointer(mask.pointer + perBatch * queries * keys)
    }
}

// MARK: - Selected queries

extension AttentionMask {
    /// The mask of a pass that keeps only some query rows: batch entry `b`'s query row `j` is its row
    /// `selected[b][j]` under this mask, and rows past `selected[b].count` (padding up to `queries`) see nothing.
    /// Attention of the selected queries under it equals those rows of the attention of every query under `self`.
    /// - Parameters:
    ///   - selected: per batch entry, the original query rows kept, in order.
    ///   - queries: the query rows of the new pass, at least every entry's selection.
    ///   - keys: the key rows (the same keys as under `self`).
    public func selectingQueries(_ selected: [[Int]], queries: Int, keys: Int) -> AttentionMask {
        precondition(selected.allSatisfy { $0.count <= queries }, "selectingQueries: more rows than \(queries)")
        func group(_ row: Int, at index: Int, keyRanges: [Range<Int>], causalOffset: Int?) -> KeyRangeMask.Group {
            .init(
                queryRows: index..<(index + 1), keyRanges: keyRanges,
                causalOffset: causalOffset.map { row + $0 - index })
        }
        switch self {
        case .none, .causal:
            // Every query sees every key, or keys up to its own row plus the offset.
            var offset: Int?
            if case .causal(let causal) = self { offset = causal }
            return .keyRanges(
                KeyRangeMask(
                    perBatch: selected.map { rows in
                        rows.indices.map { group(rows[$0], at: $0, keyRanges: [0..<keys], causalOffset: offset) }
                    }))
        case .keyRanges(let mask):
            return .keyRanges(
                KeyRangeMask(
                    perBatch: selected.enumerated().map { batch, rows in
                        let groups = mask.groups(forBatch: batch)
                        return rows.indices.compactMap { index in
                            groups.first { $0.queryRows.contains(rows[index]) }.map {
                                group(rows[index], at: index, keyRanges: $0.keyRanges, causalOffset: $0.causalOffset)
                            }
                        }
                    }))
        case .additive(let values):
            let shared = values.rank == 2
            let source = values.scalars
            var result = [Float](repeating: -.infinity, count: selected.count * queries * keys)
            for (batch, rows) in selected.enumerated() {
                for (index, row) in rows.enumerated() {
                    let from = ((shared ? 0 : batch) * values.shape[values.rank - 2] + row) * keys
                    let to = (batch * queries + index) * keys
                    result.replaceSubrange(to..<(to + keys), with: source[from..<(from + keys)])
                }
            }
            return .additive(Tensor(result, shape: [selected.count, queries, keys]))
        }
    }
}
