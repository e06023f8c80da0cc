import Dispatch
import Foundation
import HTTPServing
import MixRec
import RecData
import Synchronization
import TestKit
import Testing

/// `mixrec serve` over loopback: `POST /recommend` answers what `mixrec recommend --users all` writes.
@Suite(.enabled(if: SharedData.modelAvailable, "needs the SmolLM2 model in ../shared/models"))
struct ServeRecommendationTests {
    @Test func everyUsersTopKIsTheBatchRanking() throws {
        try ServedRun.serving { run, client, _ in
            for expected in run.expected {
                let response = try client.recommend(#"{"user": "\#(expected.user)", "k": \#(ServedRun.k)}"#)
                #expect(response.status == 200 && response.headers["content-type"] == "application/json")
                expectSame(try RecommendationsBody(response).items, expected.items)
            }
            // Users get different lists, so the comparison is not trivial.
            #expect(Set(run.expected.map { $0.items.map(\.item) }).count > 1)
        }
    }

    @Test func aHistoryOfItemIDsIsRankedWithItsItemsLeftOut() throws {
        try ServedRun.serving { run, client, _ in
            let ids = ServedRun.historyIndices.map { run.dataset.itemIDs[$0] }
            let json = #"{"history": [\#(ids.map { "\"\($0)\"" }.joined(separator: ", "))], "k": \#(ServedRun.k)}"#
            let items = try RecommendationsBody(try client.recommend(json)).items
            expectSame(items, run.expectedForHistory)
            #expect(Set(items.map(\.item)).isDisjoint(with: ids))
            // A user's own history as item ids ranks as the user does.
            let user = try #require(run.expected.first)
            let index = try #require(run.dataset.userIDs.firstIndex(of: user.user))
            let history = run.dataset.sequences[index].map { "\"\(run.dataset.itemIDs[Int($0)])\"" }
            let asHistory = try client.recommend(#"{"history": [\#(history.joined(separator: ","))], "k": 5}"#)
            expectSame(try RecommendationsBody(asHistory).items, user.items)
            // k defaults to 10; k may be the item count (then every item outside the history comes back).
            let defaultK = try RecommendationsBody(try client.recommend(#"{"user": "\#(user.user)"}"#)).items
            #expect(defaultK.count == min(10, run.dataset.itemCount - Set(history).count))
            #expect(defaultK.prefix(ServedRun.k).map(\.item) == user.items.map(\.item))
            let all = try client.recommend(#"{"user": "\#(user.user)", "k": \#(run.dataset.itemCount)}"#)
            #expect(try RecommendationsBody(all).items.count == run.dataset.itemCount - Set(history).count)
        }
    }

    /// Eight client threads at once (queued requests are ranked together in batches): every answer is still the
    /// user's own.
    @Test func concurrentClientsGetTheSameAnswers() throws {
        try ServedRun.serving { run, client, _ in
            let mismatches = Mismatches()
            let done = DispatchGroup()
            for worker in 0..<8 {
                done.enter()
                Thread {
                    for (index, expected) in run.expected.enumerated() where index % 8 == worker {
                        let k = 1 + index % ServedRun.k
                        let items = (try? client.recommend(#"{"user": "\#(expected.user)", "k": \#(k)}"#))
                            .flatMap { try? RecommendationsBody($0).items }
                        if items?.map(\.item) != expected.items.prefix(k).map(\.item) {
                            mismatches.users.withLock { $0.append(expected.user) }
                        }
                    }
                    done.leave()
                }.start()
            }
            done.wait()
            #expect(mismatches.users.withLock { $0 }.isEmpty)
        }
    }
}

/// The users whose answers differed from the batch ranking.
private final class Mismatches: Sendable {
    let users = Mutex<[String]>([])
}
