import Foundation
import HTTPServing
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The shared HTTP layer on loopback with a handler that echoes what it read: bodies by `Content-Length`, the
/// interim 100 of `Expect: 100-continue`, and the rejections that go through the handler's `reject`.
@Suite struct HTTPServerTests {
    /// Answers `METHOD PATH BODY` as text; rejections as `rejected STATUS: MESSAGE`.
    private struct Echo: HTTPHandler {
        func respond(to request: HTTPRequest) -> HTTPResponse {
            .text(200, "\(request.method) \(request.path) \(String(decoding: request.body, as: UTF8.self))")
        }

        func reject(_ status: Int, _ message: String) -> HTTPResponse {
            .text(status, "rejected \(status): \(message)")
        }
    }

    private func serving(
        requestTimeout: Duration = HTTPServer.defaultRequestTimeout, _ body: (LoopbackClient) throws -> Void
    ) throws {
        let server = HTTPServer(name: "http-test", requestTimeout: requestTimeout)
        let address = try server.start(bind: "127.0.0.1:0", handler: Echo())
        defer { server.stop() }
        try body(LoopbackClient(port: address.port))
    }

    @Test func bodiesAreReadByContentLength() throws {
        try self.serving { client in
            let post = try client.request("/echo?x=1", method: "POST", body: "héllo {\"a\": 1}")
            #expect(post.status == 200 && post.body == "POST /echo héllo {\"a\": 1}\n")
            // Bytes past Content-Length are not part of the body.
            let extra = try client.raw("POST /e HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef")
            #expect(extra.body == "POST /e abc\n")
            #expect(try client.request("/get").body == "GET /get \n")
        }
    }

    @Test func expectContinueGetsTheInterimResponseBeforeTheBody() throws {
        try self.serving { client in
            let fd = try client.connect()
            defer { close(fd) }
            client.send("PUT /slow HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n", on: fd)
            var chunk = [UInt8](repeating: 0, count: 256)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            #expect(String(decoding: chunk[..<max(0, count)], as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
            client.send("data", on: fd)
            let response = try client.response(on: fd)
            #expect(response.status == 200 && response.body == "PUT /slow data\n")
        }
    }

    @Test func badBodiesAreRejectedThroughTheHandler() throws {
        try self.serving { client in
            let chunked = try client.raw("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            #expect(chunked.status == 411 && chunked.body.hasPrefix("rejected 411: chunked request bodies"))
            let huge = try client.raw("POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n")
            #expect(huge.status == 413 && huge.body.contains("2000000 bytes is larger than 1048576"))
            let negative = try client.raw("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
            #expect(negative.status == 400 && negative.body.contains("Content-Length '-1'"))
            // The client stops sending after 3 of 10 bytes.
            let fd = try client.connect()
            defer { close(fd) }
            client.send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", on: fd)
            shutdown(fd, Int32(SHUT_WR))
            let truncated = try client.response(on: fd)
            #expect(truncated.status == 400 && truncated.body == "rejected 400: the body ended after 3 of 10 bytes\n")
            #expect(try client.raw("GARBAGE\r\n\r\n").body == "rejected 400: malformed request\n")
            #expect(try client.request("/after").status == 200)
        }
    }

    /// The timeout bounds the whole request: a client that trickles its head a byte at a time, each byte well
    /// within the timeout, is answered 408 when the request's time is up, not kept as long as it keeps sending.
    @Test func aClientTricklingItsRequestIsCutOffAtTheRequestDeadline() throws {
        try self.serving(requestTimeout: .milliseconds(600)) { client in
            let fd = try client.connect()
            defer { close(fd) }
            let started = ContinuousClock.now
            // The trickle stops when told (the server is still draining then), before the connection is closed.
            let (stop, stopped) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
            let trickle = Thread {
                defer { stopped.signal() }
                for byte in "GET /slowloris HTTP/1.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
                    client.send(String(byte), on: fd)
                    if stop.wait(timeout: .now() + 0.1) == .success { return }
                }
            }
            trickle.start()
            let response = try client.response(on: fd)
            let took = ContinuousClock.now - started
            stop.signal()
            stopped.wait()
            #expect(response.status == 408 && response.body == "rejected 408: request not received in time\n")
            // 60 bytes at 100 ms would take 6 s; the request deadline ends it after about 0.6 s.
            #expect(took >= .milliseconds(550) && took < .seconds(3), "\(took)")
        }
    }

    @Test func bearerTokensAreComparedWhole() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "  abc123 \n".write(to: file, atomically: true, encoding: .utf8)
        let token = try BearerToken(contentsOf: file)
        func request(_ authorization: String?) -> HTTPRequest {
            let head = "GET / HTTP/1.1\r\n" + (authorization.map { "Authorization: \($0)\r\n" } ?? "")
            return HTTPRequest(head: Array(head.utf8))!
        }
        #expect(token.authorizes(request("Bearer abc123")))
        for wrong in [nil, "Bearer abc12", "Bearer abc1234", "Bearer abc124", "Basic abc123", "bearer abc123"] {
            #expect(!token.authorizes(request(wrong)), "\(wrong ?? "no header")")
        }
        try "\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: HTTPServerError.tokenFile(path: file.path, message: "the file is empty")) {
            try BearerToken(contentsOf: file)
        }
    }
}
