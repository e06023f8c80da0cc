import Foundation
import HTTPServing

/// The body of `POST /recommend`: `{"user": ID, "k": 10}` or `{"history": [ID, …], "k": 10}` (ids as in the
/// dataset files; `k` defaults to 10).
struct RecommendRequest: Equatable {
    /// Whose recommendations: a user's whole history, or a given one.
    enum Subject: Equatable {
        case user(String)
        /// Item ids, oldest first.
        case history([String])
    }

    static let defaultK = 10

    var subject: Subject
    var k: Int

    /// Reads the request's JSON body.
    /// - Throws: ``ServeRequestError`` saying what is wrong with the content type or the body.
    init(_ request: HTTPRequest) throws(ServeRequestError) {
        guard request.mediaType == "application/json" else {
            throw .notJSON(contentType: request.headers["content-type"])
        }
        guard !request.body.isEmpty else { throw .emptyBody }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(request.body))
        } catch let error as ServeRequestError {
            throw error
        } catch DecodingError.typeMismatch {
            throw .notAnObject
        } catch {
            throw .malformedJSON
        }
        switch (body.user, body.history) {
        case (.some(let user), nil): self.subject = .user(user)
        case (nil, .some(let history)): self.subject = .history(history)
        case (let user, _): throw .userOrHistory(both: user != nil)
        }
        self.k = body.k ?? Self.defaultK
    }

    /// The JSON object, with unknown fields refused.
    private struct Body: Decodable {
        var user: String?
        var history: [String]?
        var k: Int?

        private struct Field: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Field.self)
            if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: {
                !["user", "history", "k"].contains($0)
            }) {
                throw ServeRequestError.unknownField(unknown)
            }
            self.user = try Self.field("user", of: container, expected: "a string (a user id as in the dataset files)")
            self.history = try Self.field(
                "history", of: container, expected: "an array of strings (item ids, oldest first)")
            self.k = try Self.field("k", of: container, expected: "an integer")
        }

        /// The field's value, nil when absent or null.
        /// - Throws: ``ServeRequestError/wrongType(field:expected:)`` when it is not a `Value`.
        private static func field<Value: Decodable>(
            _ name: String, of container: KeyedDecodingContainer<Field>, expected: String
        ) throws(ServeRequestError) -> Value? {
            do {
                return try container.decodeIfPresent(Value.self, forKey: Field(stringValue: name))
            } catch {
                throw .wrongType(field: name, expected: expected)
            }
        }
    }
}
