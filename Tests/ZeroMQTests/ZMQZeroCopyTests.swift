import Foundation
import Testing
import ZeroMQ

@Suite("Zero-copy sends")
struct ZMQZeroCopyTests {
    @Test("payloads arrive intact and every one is released once ZeroMQ is done with it")
    func releasedAfterDelivery() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.setReceiveTimeout(milliseconds: 5000)
        try pull.bind("inproc://zero-copy-delivery")
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect("inproc://zero-copy-delivery")
        let releases = ZMQSendReleases()
        let payload = (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let header: [UInt8] = [1, 2, 3]
        try payload.withUnsafeBytes { payload in
            try header.withUnsafeBytes { header in
                for _ in 0..<3 {
                    #expect(try push.sendWithoutCopy(header: header, payload: payload, releases: releases))
                }
                for _ in 0..<3 {
                    let frames = try pull.receiveRaw { (head, body) in (Array(head), Array(body)) }
                    #expect(frames?.0 == [1, 2, 3] && frames?.1 == Array(payload))
                }
                // inproc hands the message itself over: it is released when the receiver closes it.
                #expect(releases.wait(untilReleased: 3, timeout: .seconds(5)))
                #expect(releases.released == 3)
            }
        }
    }

    @Test("payloads still queued for a peer that never comes are released when the socket closes")
    func releasedOnClose() throws {
        let context = try ZMQContext()
        // An endpoint nobody listens on: a socket file no test binds. (A TCP port that was bound and closed could be
        // handed to another test's socket running in parallel, which would then read the payloads.)
        let endpoint = "ipc://\(FileManager.default.temporaryDirectory.path)/zero-copy-nobody-\(UUID().uuidString)"
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(endpoint)
        let releases = ZMQSendReleases()
        let payload = [UInt8](repeating: 9, count: 1 << 16)
        try payload.withUnsafeBytes { payload in
            try [UInt8]([0]).withUnsafeBytes { header throws in
                for _ in 0..<2 {
                    #expect(try push.sendWithoutCopy(header: header, payload: payload, releases: releases))
                }
                #expect(!releases.wait(untilReleased: 1, timeout: .milliseconds(100)), "nobody read them yet")
                push.close()
                #expect(releases.wait(untilReleased: 2, timeout: .seconds(5)), "closing dropped and released them")
            }
        }
    }
}
