import Foundation
import MixRec

/// The model's own thread: requests from the connection threads queue here and are ranked together, up to
/// `eval.batch_users` histories per batch, as evaluation ranks users, so concurrent requests share forward passes.
/// While no request waits, the thread fills a ``KnownUserCache`` handed to ``fill(_:)``, one batch of users at a
/// time, looking at the queue again between batches: requests always go first.
///
/// - Note: `@unchecked Sendable`: the ranker (the model is not thread-safe) is only used on the ranking thread,
///   and the queue, the cache to fill and every request's result are only read or written with `condition` locked.
final class RankingQueue: @unchecked Sendable {
    /// One queued history and, once ranked, its items.
    ///
    /// - Note: `@unchecked Sendable`: ``items`` is written by the ranking thread with the queue's lock held, and
    ///   read under that lock (``RankingQueue/items(of:)``) or on the ranking thread.
    final class Request: @unchecked Sendable {
        let history: [Int]
        let k: Int
        /// The ranked items, nil while the request waits.
        fileprivate(set) var items: [ScoredItem]?

        fileprivate init(history: [Int], k: Int) {
            self.history = history
            self.k = k
        }
    }

    /// What the ranking thread does next.
    private enum Work {
        case requests([Request])
        case cache(KnownUserCache, KnownUserCache.Batch)
    }

    private let ranker: HistoryRanker
    private let batchSize: Int
    private let condition = NSCondition()
    private var waiting: [Request] = []
    private var cache: KnownUserCache?
    private var closed = false

    /// Starts the ranking thread.
    /// - Parameter ranker: used only by that thread from now on.
    init(ranker: HistoryRanker) {
        self.ranker = ranker
        self.batchSize = ranker.model.config.evaluation.batchUsers
        let thread = Thread { [self] in self.rankUntilClosed() }
        thread.name = "mixrec-serve-ranking"
        thread.start()
    }

    /// The `k` best items after `history` (dense ids, non-empty), its items excluded; waits for the ranking thread.
    func top(after history: [Int], k: Int) -> [ScoredItem] {
        self.items(of: self.submit(after: history, k: k))
    }

    /// Queues the ranking of `history` (dense ids, non-empty) without waiting for it.
    func submit(after history: [Int], k: Int) -> Request {
        let request = Request(history: history, k: k)
        self.condition.lock()
        defer { self.condition.unlock() }
        self.waiting.append(request)
        self.condition.broadcast()
        return request
    }

    /// The items of a request from ``submit(after:k:)``; waits until the ranking thread has them.
    func items(of request: Request) -> [ScoredItem] {
        self.condition.lock()
        defer { self.condition.unlock() }
        while request.items == nil { self.condition.wait() }
        return request.items ?? []
    }

    /// Has the ranking thread fill `cache` while no request waits (until every user is cached or the queue closes).
    func fill(_ cache: KnownUserCache) {
        self.condition.lock()
        self.cache = cache
        self.condition.broadcast()
        self.condition.unlock()
    }

    /// Ends the ranking thread once the requests queued so far are answered (the cache stays as filled so far).
    func close() {
        self.condition.lock()
        self.closed = true
        self.condition.broadcast()
        self.condition.unlock()
    }

    /// Ranks batches of waiting requests, or of users to cache when no request waits, until closed.
    private func rankUntilClosed() {
        while let work = self.nextWork() {
            switch work {
            case .requests(let batch):
                // The largest k of the batch, then each request's prefix: ties break by id, so a prefix of a longer
                // top list is the shorter one.
                let k = batch.map(\.k).max() ?? 1
                let lists = self.ranker.top(batch.map(\.history), k: k, excluding: batch.map { Set($0.history) })
                self.condition.lock()
                for (request, list) in zip(batch, lists) { request.items = Array(list.prefix(request.k)) }
                self.condition.broadcast()
                self.condition.unlock()
            case .cache(let cache, let batch):
                cache.store(
                    self.ranker.top(batch.histories, k: cache.depth, excluding: batch.histories.map { Set($0) }),
                    of: batch)
            }
        }
    }

    /// Waits for work: up to a batch of waiting requests first, else the cache's next batch; nil once closed with
    /// no request waiting.
    private func nextWork() -> Work? {
        self.condition.lock()
        defer { self.condition.unlock() }
        while true {
            if !self.waiting.isEmpty {
                let batch = Array(self.waiting.prefix(self.batchSize))
                self.waiting.removeFirst(batch.count)
                return .requests(batch)
            }
            if self.closed { return nil }
            if let cache = self.cache {
                if let batch = cache.nextBatch(size: self.batchSize) { return .cache(cache, batch) }
                self.cache = nil
            }
            self.condition.wait()
        }
    }
}
