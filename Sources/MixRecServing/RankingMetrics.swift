import HTTPServing
import Synchronization

/// Where `mixrec serve`'s recommendations came from, the known users' cache or a live ranking, and how far the
/// cache is, for `/metrics`. Thread-safe.
final class RankingMetrics: Sendable {
    /// Where one recommendation came from.
    enum Source: String, CaseIterable {
        /// A prefix of a known user's cached list.
        case cache
        /// A pass of the model on the ranking thread.
        case live
    }

    private let counts = Mutex<[Source: Int]>([:])

    /// Counts one recommendation answered from `source`.
    func record(_ source: Source) {
        self.counts.withLock { $0[source, default: 0] += 1 }
    }

    /// Appends `<prefix>_rankings_total{source}` and, when the cache is on (`cache` not nil), the gauges
    /// `<prefix>_user_cache_users{state="cached"|"total"}`.
    func write(to out: inout PrometheusText, prefix: String, cache: UserCacheProgress?) {
        let counts = self.counts.withLock { $0 }
        let rankings = prefix + "_rankings_total"
        out.family(
            rankings, .counter,
            help: "Recommendations answered, by source: the known users' cache or a live pass of the model.")
        for source in Source.allCases {
            out.sample(rankings, [("source", source.rawValue)], Double(counts[source] ?? 0))
        }
        guard let cache else { return }
        let users = prefix + "_user_cache_users"
        out.family(users, .gauge, help: "Known users whose top list is cached, and the users to cache.")
        out.sample(users, [("state", "cached")], Double(cache.cached))
        out.sample(users, [("state", "total")], Double(cache.total))
    }
}
