import CZeroMQ
import Foundation
import Testing
import ZeroMQ

/// Socket basics on `inproc://` and `tcp://127.0.0.1`; every receive is bounded by a receive timeout.
@Suite struct ZMQSocketTests {
    let context: ZMQContext

    init() throws {
        self.context = try ZMQContext()
    }

    private func pair() throws -> (ZMQSocket, ZMQSocket) {
        let endpoint = "inproc://pair-\(UUID().uuidString)"
        let a = try ZMQSocket(context: self.context, type: .pair)
        try a.bind(endpoint)
        let b = try ZMQSocket(context: self.context, type: .pair)
        try b.connect(endpoint)
        try a.setReceiveTimeout(milliseconds: 2000)
        try b.setReceiveTimeout(milliseconds: 2000)
        return (a, b)
    }

    @Test func multipartFramesArriveInOrderWithEmptyAndLargeFrames() throws {
        let (a, b) = try self.pair()
        let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frames: [[UInt8]] = [[1, 2, 3], [], large, [255]]
        #expect(try a.send(frames))
        let received = try b.receive()
        #expect(received == frames)
    }

    @Test func newSocketsHaveZeroLinger() throws {
        let socket = try ZMQSocket(context: self.context, type: .dealer)
        #expect(try socket.int32Option(ZMQ_LINGER, name: "ZMQ_LINGER") == 0)
        try socket.setSendHighWaterMark(8)
        #expect(try socket.int32Option(ZMQ_SNDHWM, name: "ZMQ_SNDHWM") == 8)
    }

    @Test func receiveTimesOutWithNilAfterTheTimeout() throws {
        let (a, _) = try self.pair()
        try a.setReceiveTimeout(milliseconds: 40)
        let start = ContinuousClock.now
        #expect(try a.receive() == nil)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(30))
        #expect(elapsed < .seconds(2))
        #expect(try a.receive(dontWait: true) == nil)
    }

    @Test func tooManyFramesAreDrainedAndReportedAsMessageSizeError() throws {
        let (a, b) = try self.pair()
        try a.send([[1], [2], [3], [4]])
        try a.send([[9]])
        #expect(throws: ZMQError(operation: "receive (message of 4 frames, limit 2)", code: EMSGSIZE)) {
            try b.receive(maxFrames: 2)
        }
        // The oversized message is gone; the next one is intact.
        #expect(try b.receive(maxFrames: 2) == [[9]])
    }

    @Test func dealerAndRouterTalkOverLoopbackTCPWithRoutingIDs() throws {
        let router = try ZMQSocket(context: self.context, type: .router)
        try router.setRouterMandatory(true)
        try router.setReceiveTimeout(milliseconds: 2000)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(endpoint != "tcp://127.0.0.1:*")

        let dealer = try ZMQSocket(context: self.context, type: .dealer)
        try dealer.setRoutingID(Array("worker-7".utf8))
        try dealer.setReceiveTimeout(milliseconds: 2000)
        try dealer.connect(endpoint)
        try dealer.send([Array("hello".utf8), [0, 1]])

        let request = try #require(try router.receive())
        #expect(request == [Array("worker-7".utf8), Array("hello".utf8), [0, 1]])
        try router.send([request[0], Array("welcome".utf8)])
        #expect(try dealer.receive() == [Array("welcome".utf8)])
    }

    @Test func mandatoryRouterRejectsUnknownPeers() throws {
        let router = try ZMQSocket(context: self.context, type: .router)
        try router.setRouterMandatory(true)
        try router.bind("inproc://router-\(UUID().uuidString)")
        let error = #expect(throws: ZMQError.self) { try router.send([Array("nobody".utf8), [1]]) }
        #expect(error?.code == EHOSTUNREACH)
    }

    @Test func oversizedFramesAreDroppedByTheReceiverAndServingGoesOn() throws {
        let router = try ZMQSocket(context: self.context, type: .router)
        try router.setMaxMessageSize(bytes: 1024)
        try router.setReceiveTimeout(milliseconds: 300)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()

        let greedy = try ZMQSocket(context: self.context, type: .dealer)
        try greedy.connect(endpoint)
        try greedy.send([[UInt8](repeating: 7, count: 4096)])
        #expect(try router.receive() == nil)

        let polite = try ZMQSocket(context: self.context, type: .dealer)
        try polite.setRoutingID(Array("polite".utf8))
        try polite.connect(endpoint)
        try polite.send([[UInt8](repeating: 1, count: 1000)])
        try router.setReceiveTimeout(milliseconds: 2000)
        let message = try #require(try router.receive())
        #expect(message.count == 2)
        #expect(message[0] == Array("polite".utf8))
        #expect(message[1].count == 1000)
    }

    @Test func errorsCarryOperationErrnoAndDescription() throws {
        let socket = try ZMQSocket(context: self.context, type: .pair)
        let error = #expect(throws: ZMQError.self) { try socket.bind("nonsense://x") }
        #expect(error?.operation == "bind nonsense://x")
        #expect(error?.code == EPROTONOSUPPORT)
        #expect(error?.description.contains("errno \(EPROTONOSUPPORT)") == true)
        socket.close()
        #expect(!socket.isOpen)
        let closed = #expect(throws: ZMQError.self) { try socket.connect("inproc://x") }
        #expect(closed?.code == ENOTSOCK)
    }

    @Test func contextShutdownWakesBlockedCallsWithETERM() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .pull)
        try socket.bind("inproc://shutdown-\(UUID().uuidString)")
        context.shutdown()
        let error = #expect(throws: ZMQError.self) { try socket.receive() }
        #expect(error?.isContextTerminated == true)
    }
}
