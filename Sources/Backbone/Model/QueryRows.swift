/// The query rows a block keeps when only some rows of a pass are wanted (``LlamaModel/run(_:positions:context:hook:outputRows:)``):
/// the wanted rows of the flattened `[B, L]` grouped by batch entry into a `[B, m]` query, `m` the most any
/// entry keeps (shorter entries padded with their first row, masked out).
struct QueryRows {
    /// Per batch entry, its kept rows within the entry (`0..<L`), in the order they are wanted.
    let perBatch: [[Int]]
    /// `m`: the query rows per batch entry.
    let width: Int
    /// The flattened `[B·L]` row each of the `[B·m]` query rows reads.
    let sources: [Int]
    /// For each wanted row, in the order given, its flattened `[B·m]` query row.
    let slots: [Int]

    /// - Parameters: rows: wanted rows of the flattened `[batch, length]` pass (each once).
    init(_ rows: [Int], batch: Int, length: Int) {
        precondition(rows.allSatisfy { (0..<(batch * length)).contains($0) }, "QueryRows: a row outside the pass")
        var perBatch = [[Int]](repeating: [], count: batch)
        var slots: [Int] = []
        for row in rows {
            slots.append(row / length)
            perBatch[row / length].append(row % length)
        }
        let width = max(1, perBatch.map(\.count).max() ?? 1)
        var seen = [Int](repeating: 0, count: batch)
        self.slots = slots.map { entry in
            defer { seen[entry] += 1 }
            return entry * width + seen[entry]
        }
        self.perBatch = perBatch
        self.width = width
        self.sources = perBatch.enumerated().flatMap { entry, kept in
            (0..<width).map { entry * length + (kept.indices.contains($0) ? kept[$0] : 0) }
        }
    }
}
