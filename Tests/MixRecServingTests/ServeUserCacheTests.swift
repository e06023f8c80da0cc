import Dispatch
import Foundation
import HTTPServing
import MixRec
import RecData
import Synchronization
import TestKit
import Testing

@testable import MixRecServing

/// `mixrec serve`'s known users' cache: a cached answer is the live ranking, larger `k` and requests that arrive
/// while the cache fills are ranked live, and `/healthz` and `/metrics` show its progress and use.
@Suite(.enabled(if: SharedData.modelAvailable, "needs the SmolLM2 model in ../shared/models"))
struct ServeUserCacheTests {
    /// The items the tests' caches keep per user: fewer than the fixture's items, so a larger `k` exists.
    static let depth = 8

    /// For every user, `k` = 1, ``ServedRun/k`` and ``depth`` from the cache equal a direct top-`k` of that `k`
    /// (so a prefix of the cached list is the shorter top list), and `k` = ``depth`` + 1 is ranked live.
    @Test func cachedAnswersAreTheLiveRankingAndLargerKIsRankedLive() throws {
        let run = try ServedRun.shared.get()
        let model = try run.freshModel()
        let histories = Self.histories(of: run)
        let ks = [1, ServedRun.k, Self.depth, Self.depth + 1]
        let direct = ks.map { k in
            model.recommend(histories: histories, k: k, excluding: histories.map { Set($0) }).map {
                $0.map { RecommendedItem($0, in: run.dataset) }
            }
        }
        let complete = DispatchSemaphore(value: 0)
        let service = RecommendationService(
            model: model, dataset: run.dataset,
            userCache: UserCacheOptions(depth: Self.depth) { if $0.isComplete { complete.signal() } })
        #expect(complete.wait(timeout: .now() + 600) == .success)
        let server = RecommendationServer(service: service)
        let client = LoopbackClient(port: try server.start(bind: "127.0.0.1:0").port)
        defer { server.stop() }

        let users = histories.indices.filter { !histories[$0].isEmpty }
        for user in users {
            for (k, lists) in zip(ks, direct) {
                let response = try client.recommend(#"{"user": "\#(run.dataset.userIDs[user])", "k": \#(k)}"#)
                expectSame(try RecommendationsBody(response).items, lists[user], tolerance: 1e-5)
            }
        }
        let health = try JSONDecoder().decode(
            [String: JSONScalar].self, from: Data(try client.request("/healthz").body.utf8))
        #expect(health["cached_users"] == .number(Double(users.count)))
        #expect(health["cacheable_users"] == .number(Double(users.count)))
        let metrics = try PrometheusExposition(parsing: try client.request("/metrics").body)
        #expect(metrics.families["mixrec_serve_rankings_total"]?.type == "counter")
        #expect(metrics.value("mixrec_serve_rankings_total", ["source": "cache"]) == Double(3 * users.count))
        #expect(metrics.value("mixrec_serve_rankings_total", ["source": "live"]) == Double(users.count))
        #expect(metrics.value("mixrec_serve_user_cache_users", ["state": "cached"]) == Double(users.count))
        #expect(metrics.value("mixrec_serve_user_cache_users", ["state": "total"]) == Double(users.count))
    }

    /// A request queued after the first batch of users is cached is ranked before the next batch, and gets the
    /// live top-k; the cache then completes.
    @Test func requestsGoBeforeTheCacheWhileItFills() throws {
        let run = try ServedRun.shared.get()
        let model = try run.freshModel()
        let histories = Self.histories(of: run)
        let user = 3
        let expected = model.recommend(
            histories: [histories[user]], k: ServedRun.k, excluding: [Set(histories[user])]
        )[0]
        let queue = RankingQueue(ranker: HistoryRanker(model: model))
        defer { queue.close() }
        let probe = FillProbe()
        let complete = DispatchSemaphore(value: 0)
        let cache = KnownUserCache(
            histories: histories,
            options: UserCacheOptions(depth: Self.depth) { progress in
                // On the ranking thread, between two batches of the cache.
                probe.batchDone {
                    queue.submit(after: histories[user], k: ServedRun.k)
                }
                if progress.isComplete { complete.signal() }
            })
        queue.fill(cache)
        #expect(complete.wait(timeout: .now() + 600) == .success)

        let batches = (histories.filter { !$0.isEmpty }.count + 6) / 7
        #expect(batches >= 3, "the fixture's users fill several batches of eval.batch_users = 7")
        #expect(probe.answeredBeforeBatch == Array(repeating: true, count: batches - 1))
        let request = try #require(probe.request)
        let items = queue.items(of: request)
        #expect(items.map(\.item) == expected.map(\.item))
        #expect(zip(items, expected).allSatisfy { abs($0.score - $1.score) <= 1e-5 })
        #expect(cache.progress.isComplete)
        #expect(cache.top(user: user, k: ServedRun.k)?.map(\.item) == expected.map(\.item))
    }

    /// Per user of the fixture, the history as dense item ids.
    private static func histories(of run: ServedRun) -> [[Int]] {
        run.dataset.sequences.map { $0.map { Int($0) } }
    }
}

/// What the ranking thread saw between the cache's batches: the request queued after the first, and after each
/// later batch whether that request had been answered.
private final class FillProbe: Sendable {
    private let state = Mutex<(request: RankingQueue.Request?, answered: [Bool])>((nil, []))

    /// After the first batch queues the request `submit` makes; after later ones records whether it was answered
    /// (read on the ranking thread, the only one that writes it).
    func batchDone(submit: () -> RankingQueue.Request) {
        self.state.withLock { state in
            if let request = state.request {
                state.answered.append(request.items != nil)
            } else {
                state.request = submit()
            }
        }
    }

    var request: RankingQueue.Request? { self.state.withLock { $0.request } }
    var answeredBeforeBatch: [Bool] { self.state.withLock { $0.answered } }
}
