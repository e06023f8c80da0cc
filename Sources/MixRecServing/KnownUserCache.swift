import MixRec
import Synchronization

/// Known users' top lists: handed out in batches to the ranking thread (``RankingQueue/fill(_:)``), which ranks
/// them as ``HistoryRanker`` ranks any history (the user's whole history, its items excluded) and stores them here,
/// and read by the connection threads. Thread-safe.
///
/// A cached list holds the user's ``depth`` best items; a top `k` for `k` up to ``depth`` is its prefix, since
/// ties break by id.
final class KnownUserCache: Sendable {
    /// Users handed to the ranking thread: their indices in the dataset and their histories (dense item ids).
    struct Batch {
        var users: [Int]
        var histories: [[Int]]
    }

    private struct State {
        /// Per user index, the cached list (nil until cached).
        var lists: [[ScoredItem]?]
        /// How many entries of ``KnownUserCache/users`` were handed out.
        var handedOut = 0
        var cached = 0
    }

    /// The items kept per user.
    let depth: Int
    /// The users to cache, in dataset order: those with a non-empty history.
    private let users: [Int]
    private let histories: [[Int]]
    private let batchDone: @Sendable (UserCacheProgress) -> Void
    private let started = ContinuousClock.now
    private let state: Mutex<State>

    /// An empty cache of every user with items; its clock starts now.
    /// - Parameter histories: per user index, the history (dense item ids, oldest first).
    init(histories: [[Int]], options: UserCacheOptions) {
        self.depth = options.depth
        self.users = histories.indices.filter { !histories[$0].isEmpty }
        self.histories = histories
        self.batchDone = options.batchDone
        self.state = Mutex(State(lists: Array(repeating: nil, count: histories.count)))
    }

    /// `user`'s `k` best items (`k` at least 1), nil when `k` is above ``depth`` or the user is not cached yet.
    func top(user: Int, k: Int) -> [ScoredItem]? {
        guard k <= self.depth else { return nil }
        return self.state.withLock { $0.lists[user] }.map { Array($0.prefix(k)) }
    }

    /// How many users are cached, of how many.
    var progress: UserCacheProgress {
        self.progress(cached: self.state.withLock { $0.cached })
    }

    /// The next up to `size` users not handed out yet, nil once every user was.
    func nextBatch(size: Int) -> Batch? {
        let range = self.state.withLock { state -> Range<Int> in
            let range = state.handedOut..<min(self.users.count, state.handedOut + size)
            state.handedOut = range.upperBound
            return range
        }
        guard !range.isEmpty else { return nil }
        let users = Array(self.users[range])
        return Batch(users: users, histories: users.map { self.histories[$0] })
    }

    /// Keeps the ranked lists of a batch from ``nextBatch(size:)`` (one per user, in order), then reports the
    /// progress to the options' `batchDone`.
    func store(_ lists: [[ScoredItem]], of batch: Batch) {
        precondition(lists.count == batch.users.count, "one list per user of the batch")
        let cached = self.state.withLock { state in
            for (user, list) in zip(batch.users, lists) { state.lists[user] = list }
            state.cached += lists.count
            return state.cached
        }
        self.batchDone(self.progress(cached: cached))
    }

    private func progress(cached: Int) -> UserCacheProgress {
        UserCacheProgress(
            cached: cached, total: self.users.count, seconds: (ContinuousClock.now - self.started) / .seconds(1))
    }
}
