import Foundation
import MixRec

/// The model's own thread: requests from the connection threads queue here and are ranked together, up to
/// `eval.batch_users` histories per batch, as evaluation ranks users, so concurrent requests share forward passes.
///
/// - Note: `@unchecked Sendable`: the ranker (the model is not thread-safe) is only used on the ranking thread,
///   and the queue and every request's result are only read or written with `condition` locked.
final class RankingQueue: @unchecked Sendable {
    /// One queued history and, once ranked, its items.
    private final class Request {
        let history: [Int]
        let k: Int
        var items: [ScoredItem]?

        init(history: [Int], k: Int) {
            self.history = history
            self.k = k
        }
    }

    private let ranker: HistoryRanker
    private let batchSize: Int
    private let condition = NSCondition()
    private var waiting: [Request] = []
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
        let request = Request(history: history, k: k)
        self.condition.lock()
        defer { self.condition.unlock() }
        self.waiting.append(request)
        self.condition.broadcast()
        while request.items == nil { self.condition.wait() }
        return request.items ?? []
    }

    /// Ends the ranking thread once the requests queued so far are answered.
    func close() {
        self.condition.lock()
        self.closed = true
        self.condition.broadcast()
        self.condition.unlock()
    }

    /// Takes up to a batch of waiting requests, ranks them in one pass and hands each its items.
    private func rankUntilClosed() {
        while true {
            self.condition.lock()
            while self.waiting.isEmpty && !self.closed { self.condition.wait() }
            let batch = Array(self.waiting.prefix(self.batchSize))
            self.waiting.removeFirst(batch.count)
            self.condition.unlock()
            guard !batch.isEmpty else { return }
            // The largest k of the batch, then each request's prefix: ties break by id, so a prefix of a longer
            // top list is the shorter one.
            let k = batch.map(\.k).max() ?? 1
            let lists = self.ranker.top(batch.map(\.history), k: k, excluding: batch.map { Set($0.history) })
            self.condition.lock()
            for (request, list) in zip(batch, lists) { request.items = Array(list.prefix(request.k)) }
            self.condition.broadcast()
            self.condition.unlock()
        }
    }
}
