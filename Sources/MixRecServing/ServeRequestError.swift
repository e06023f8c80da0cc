/// Why `mixrec serve` answers a request with 400: each case says what is wrong with it.
public enum ServeRequestError: Error, Equatable, CustomStringConvertible {
    /// The request has no `Content-Type: application/json` (the value it has, nil when none).
    case notJSON(contentType: String?)
    /// The request has no body.
    case emptyBody
    /// The body is not valid JSON.
    case malformedJSON
    /// The body is JSON but not an object.
    case notAnObject
    /// The object has a field the API does not know.
    case unknownField(String)
    /// A field has the wrong type: the field and the type it needs.
    case wrongType(field: String, expected: String)
    /// Both `user` and `history`, or neither.
    case userOrHistory(both: Bool)
    /// `history` is an empty array, or the user has no items.
    case emptyHistory
    /// `k` is outside 1...item count.
    case kOutOfRange(k: Int, itemCount: Int)
    /// The user id is not in the dataset (with a few ids it has, to show what they look like).
    case unknownUser(String, examples: [String])
    /// Item ids of `history` the dataset does not have, in the order given (with a few ids it has).
    case unknownItems([String], examples: [String])

    /// An example of a valid body, quoted in messages.
    static let example = #"{"user": "42", "k": 10} or {"history": ["7", "31"], "k": 10}"#

    public var description: String {
        switch self {
        case .notJSON(let contentType):
            "the body must be JSON with Content-Type: application/json, not "
                + (contentType.map { "'\($0)'" } ?? "a request without a Content-Type")
        case .emptyBody: "the request has no body; send a JSON object such as \(Self.example)"
        case .malformedJSON: "the body is not valid JSON; send an object such as \(Self.example)"
        case .notAnObject: "the body must be a JSON object such as \(Self.example)"
        case .unknownField(let name): "unknown field \"\(name)\"; the fields are \"user\", \"history\" and \"k\""
        case .wrongType(let field, let expected): "\"\(field)\" must be \(expected)"
        case .userOrHistory(let both):
            both
                ? "give \"user\" or \"history\", not both"
                : "give \"user\" (a user id) or \"history\" (item ids, oldest first), e.g. \(Self.example)"
        case .emptyHistory: "the history is empty: there is nothing to recommend after"
        case .kOutOfRange(let k, let itemCount): "\"k\" must be between 1 and \(itemCount) (the item count), not \(k)"
        case .unknownUser(let id, let examples):
            "user \"\(id)\" is not in the dataset (user ids look like \(examples.joined(separator: ", ")))"
        case .unknownItems(let ids, let examples):
            "\(ids.count) item id(s) of the history not in the dataset: "
                + ids.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ") + (ids.count > 10 ? ", …" : "")
                + " (item ids look like \(examples.joined(separator: ", ")))"
        }
    }
}
