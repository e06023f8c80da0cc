import Foundation
import MixRec
import MixRecTrials
import Testing

/// The files of `mixrec recommend --users … --out FILE`.
@Suite struct RecommendationFormatTests {
    let ranked = UserRecommendations(
        user: "u1",
        items: [
            RecommendedItem(item: "i9", score: 1.5, title: "Heat, \"the\" movie"),
            RecommendedItem(item: "i2", score: -0.25, title: "Plain"),
        ])

    @Test func formatIsChosenByExtension() {
        #expect(RecommendationFormat(path: "recs.csv") == .csv)
        #expect(RecommendationFormat(path: "out/recs.JSONL") == .jsonl)
        #expect(RecommendationFormat(path: "recs.txt") == nil)
        #expect(RecommendationFormat(path: "recs") == nil)
    }

    @Test func csvQuotesTitlesWithCommasAndQuotes() {
        #expect(RecommendationFormat.csv.header == "user,rank,item,score,title\r\n")
        #expect(
            RecommendationFormat.csv.lines(self.ranked)
                == "u1,1,i9,1.5,\"Heat, \"\"the\"\" movie\"\r\nu1,2,i2,-0.25,Plain\r\n")
    }

    @Test func jsonlHoldsOneObjectPerUser() throws {
        let text = RecommendationFormat.jsonl.lines(self.ranked)
        #expect(text.hasSuffix("\n") && text.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["user"] as? String == "u1")
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.map { $0["item"] as? String } == ["i9", "i2"])
        #expect(items.first?["title"] as? String == "Heat, \"the\" movie")
        #expect(items.last?["score"] as? Double == -0.25)
    }
}
