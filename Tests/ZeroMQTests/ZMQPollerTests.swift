import Foundation
import Testing
import ZeroMQ

@Suite struct ZMQPollerTests {
    @Test func pollReportsOnlyTheSocketWithAMessage() throws {
        let context = try ZMQContext()
        let endpointA = "inproc://poll-a-\(UUID().uuidString)"
        let endpointB = "inproc://poll-b-\(UUID().uuidString)"
        let pullA = try ZMQSocket(context: context, type: .pull)
        try pullA.bind(endpointA)
        let pullB = try ZMQSocket(context: context, type: .pull)
        try pullB.bind(endpointB)
        let pushB = try ZMQSocket(context: context, type: .push)
        try pushB.connect(endpointB)

        var poller = ZMQPoller()
        let indexA = poller.add(pullA)
        let indexB = poller.add(pullB)

        let start = ContinuousClock.now
        let idle = try poller.poll(timeoutMilliseconds: 30)
        #expect(idle == [[], []])
        #expect(ContinuousClock.now - start >= .milliseconds(20))

        try pushB.send([[42]])
        let ready = try poller.poll(timeoutMilliseconds: 2000)
        #expect(ready[indexA].isEmpty)
        #expect(ready[indexB].contains(.readable))
        #expect(try pullB.receive(dontWait: true) == [[42]])
    }

    @Test func pollingAClosedSocketThrows() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .pull)
        var poller = ZMQPoller()
        poller.add(socket)
        socket.close()
        #expect(throws: ZMQError.self) { try poller.poll(timeoutMilliseconds: 0) }
    }
}
