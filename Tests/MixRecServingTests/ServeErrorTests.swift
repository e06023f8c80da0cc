import Foundation
import HTTPServing
import MixRec
import RecData
import TestKit
import Testing

/// `mixrec serve` refuses bad input with a status and a JSON message saying what is wrong, and keeps serving.
@Suite(.enabled(if: SharedData.modelAvailable, "needs the SmolLM2 model in ../shared/models"))
struct ServeErrorTests {
    @Test func badBodiesGet400WithAMessageAndTheServerKeepsServing() throws {
        try ServedRun.serving { run, client, _ in
            let user = run.dataset.userIDs[0]
            let item = run.dataset.itemIDs[0]
            let count = run.dataset.itemCount
            let cases: [(body: String, says: [String])] = [
                (#"{"user": "nobody", "k": 5}"#, [#"user "nobody" is not in the dataset"#]),
                (
                    #"{"history": ["zz1", "\#(item)", "zz2"], "k": 5}"#,
                    [#"2 item id(s) of the history not in the dataset: "zz1", "zz2""#]
                ),
                (#"{"history": [], "k": 5}"#, ["the history is empty"]),
                (#"{"user": "\#(user)", "k": 0}"#, ["\"k\" must be between 1 and \(count) (the item count), not 0"]),
                (#"{"user": "\#(user)", "k": \#(count + 1)}"#, ["not \(count + 1)"]),
                (#"{"user": "#, ["the body is not valid JSON"]),
                ("[1, 2]", ["the body must be a JSON object"]),
                (#"{"user": 42}"#, [#""user" must be a string"#]),
                (#"{"user": "\#(user)", "k": "ten"}"#, [#""k" must be an integer"#]),
                (#"{"user": "\#(user)", "k": 2.5}"#, [#""k" must be an integer"#]),
                (#"{"history": "\#(item)"}"#, [#""history" must be an array of strings"#]),
                (#"{"usr": "\#(user)"}"#, [#"unknown field "usr""#]),
                (#"{"user": "\#(user)", "history": ["\#(item)"]}"#, ["not both"]),
                (#"{"k": 3}"#, [#"give "user" (a user id) or "history""#]),
                ("", ["the request has no body"]),
            ]
            for (body, says) in cases {
                let response = try client.recommend(body)
                #expect(response.status == 400, "\(body)")
                #expect(response.headers["content-type"] == "application/json")
                let message = try ErrorBody(response).error
                for phrase in says { #expect(message.contains(phrase), "\(body): \(message)") }
            }
            let plain = try client.request(
                "/recommend", method: "POST", headers: ["Content-Type": "text/plain"], body: #"{"user": "\#(user)"}"#)
            #expect(plain.status == 400)
            #expect(try ErrorBody(plain).error.contains("Content-Type: application/json, not 'text/plain'"))
            let untyped = try client.request("/recommend", method: "POST", body: #"{"user": "\#(user)"}"#)
            #expect(try ErrorBody(untyped).error.contains("without a Content-Type"))
            let chunked = try client.raw(
                "POST /recommend HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            )
            #expect(chunked.status == 411)
            #expect(try ErrorBody(chunked).error.contains("Content-Length"))
            let huge = try client.raw("POST /recommend HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
            #expect(huge.status == 413)
            #expect(try client.raw("NONSENSE\r\n\r\n").status == 400)
            // Still serving, and right.
            let good = try client.recommend(#"{"user": "\#(user)", "k": 5}"#)
            #expect(good.status == 200)
            expectSame(try RecommendationsBody(good).items, run.expected[0].items)
        }
    }

    @Test func itemsHealthAndUnknownRoutesAndMethods() throws {
        try ServedRun.serving { run, client, _ in
            let index = 4
            let item = try client.request("/items/\(run.dataset.itemIDs[index])")
            #expect(item.status == 200)
            let body = try JSONDecoder().decode([String: String].self, from: Data(item.body.utf8))
            #expect(body == ["item": run.dataset.itemIDs[index], "title": run.dataset.itemTexts[index]])
            #expect(!run.dataset.itemTexts[index].isEmpty)
            let missing = try client.request("/items/no%20such")
            #expect(missing.status == 404)
            #expect(try ErrorBody(missing).error == #"no item "no such" in the dataset"#)

            let health = try client.request("/healthz")
            #expect(health.status == 200)
            let status = try JSONDecoder().decode([String: JSONScalar].self, from: Data(health.body.utf8))
            #expect(status["status"] == .string("ok"))
            #expect(status["items"] == .number(Double(run.dataset.itemCount)))
            #expect(status["users"] == .number(Double(run.dataset.userCount)))

            let unknown = try client.request("/nope")
            #expect(unknown.status == 404)
            #expect(try ErrorBody(unknown).error.contains("POST /recommend"))
            let get = try client.request("/recommend")
            #expect(get.status == 405 && get.headers["allow"] == "POST")
            #expect(try ErrorBody(get).error == "/recommend answers POST, not GET")
            let post = try client.request("/healthz", method: "POST", body: "{}")
            #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        }
    }

    @Test func theTokenIsRequiredWhenConfigured() throws {
        let folder = try ScratchFolder()
        let tokenFile = folder.url.appendingPathComponent("token")
        try "serve-s3cret\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        try ServedRun.serving(tokenFile: tokenFile) { run, client, _ in
            let body = #"{"user": "\#(run.dataset.userIDs[1])", "k": 3}"#
            let missing = try client.recommend(body)
            #expect(missing.status == 401 && missing.headers["www-authenticate"] == "Bearer")
            #expect(try ErrorBody(missing).error == "missing or wrong bearer token")
            #expect(try client.recommend(body, headers: ["Authorization": "Bearer serve-s3creX"]).status == 401)
            #expect(try client.request("/healthz").status == 401)
            let allowed = try client.recommend(body, headers: ["Authorization": "Bearer serve-s3cret"])
            #expect(allowed.status == 200)
            expectSame(try RecommendationsBody(allowed).items, Array(run.expected[1].items.prefix(3)))
        }
    }
}

/// A JSON string or number, to read `/healthz` without trusting the server's types.
enum JSONScalar: Decodable, Equatable {
    case string(String)
    case number(Double)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }
}
