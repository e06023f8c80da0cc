/// What a server built on ``HTTPServer`` answers: called from the connection threads, so it must be thread-safe.
public protocol HTTPHandler: Sendable {
    /// The response to a request that was read whole.
    func respond(to request: HTTPRequest) -> HTTPResponse

    /// The response when the connection could not read a request (malformed, too large, too slow) or the server
    /// is full: `status` (400, 408, 411, 413, 431 or 503) with a message saying why.
    func reject(_ status: Int, _ message: String) -> HTTPResponse
}

extension HTTPHandler {
    /// Plain text with the message.
    public func reject(_ status: Int, _ message: String) -> HTTPResponse {
        .text(status, message)
    }
}
