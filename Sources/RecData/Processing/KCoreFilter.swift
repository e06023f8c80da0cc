// MARK: - k-core filtering

/// Iterative k-core filtering of user histories by interaction counts.
enum KCoreFilter {
    /// Removes items with fewer than `k` interactions from every history and empties histories shorter than `k`,
    /// repeating until every remaining user and item has at least `k` interactions. `k ≤ 1` changes nothing.
    /// - Parameters:
    ///   - histories: `[userCount][n_u]` item ids in `0..<itemCount`, edited in place (order kept).
    static func apply(k: Int, histories: inout [[Int32]], itemCount: Int) {
        guard k > 1 else { return }
        var counts = [Int](repeating: 0, count: itemCount)
        var changed = true
        while changed {
            changed = false
            for index in counts.indices { counts[index] = 0 }
            for history in histories { for item in history { counts[Int(item)] += 1 } }
            for user in histories.indices {
                let before = histories[user].count
                histories[user].removeAll { counts[Int($0)] < k }
                if histories[user].count < k { histories[user].removeAll() }
                if histories[user].count != before { changed = true }
            }
        }
    }
}
