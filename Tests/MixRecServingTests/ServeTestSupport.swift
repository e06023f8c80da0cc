import Foundation
import HTTPServing
import MixRec
import MixRecServing
import Testing

extension ServedRun {
    /// Runs `body` against a fresh server on an ephemeral loopback port (its own metrics), stopped afterwards.
    static func serving(
        tokenFile: URL? = nil, _ body: (ServedRun, LoopbackClient, RecommendationServer) throws -> Void
    ) throws {
        let run = try Self.shared.get()
        let server = RecommendationServer(service: run.service)
        let address = try server.start(bind: "127.0.0.1:0", token: try tokenFile.map(BearerToken.init(contentsOf:)))
        defer { server.stop() }
        #expect(address.host == "127.0.0.1" && address.port != 0)
        try body(run, LoopbackClient(port: address.port), server)
    }
}

extension LoopbackClient {
    /// `POST /recommend` with a JSON body.
    func recommend(_ json: String, headers: [String: String] = [:]) throws -> Response {
        try self.request(
            "/recommend", method: "POST", headers: ["Content-Type": "application/json"].merging(headers) { $1 },
            body: json)
    }
}

/// The body of a 200 from `/recommend`.
struct RecommendationsBody: Decodable {
    struct Item: Decodable, Equatable {
        var item: String
        var title: String
        var score: Float
    }

    var items: [Item]

    init(_ response: LoopbackClient.Response) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(response.body.utf8))
    }
}

/// The body of an error: `{"error": "message"}`.
struct ErrorBody: Decodable {
    var error: String

    init(_ response: LoopbackClient.Response) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(response.body.utf8))
    }
}

/// `items` against the expected recommendations: the same ids and titles in order, scores within `tolerance`.
func expectSame(
    _ items: [RecommendationsBody.Item], _ expected: [RecommendedItem], tolerance: Float = 1e-4,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(items.map(\.item) == expected.map(\.item), sourceLocation: sourceLocation)
    #expect(items.map(\.title) == expected.map(\.title), sourceLocation: sourceLocation)
    let close = zip(items, expected).allSatisfy { abs($0.score - $1.score) <= tolerance }
    #expect(
        close && items.count == expected.count, "scores \(items.map(\.score)) vs \(expected.map(\.score))",
        sourceLocation: sourceLocation)
}
