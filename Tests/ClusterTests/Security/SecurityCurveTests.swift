import Foundation
import Testing
import ZeroMQ

@testable import Cluster

@Suite("CURVE security", .enabled(if: ZMQCurve.isAvailable, "libzmq was built without CURVE"))
struct SecurityCurveTests {
    /// A CURVE ROUTER on a free loopback port guarded by an allow-list, as the coordinator runs it.
    final class GuardedServer {
        let context: ZMQContext
        let authenticator: ZAPAuthenticator
        let router: ZMQSocket
        let port: UInt16
        let keys: CurveKeyPair

        init(allowList: Set<String>, curve: Bool = true) throws {
            self.context = try ZMQContext()
            self.keys = try CurveKeyPair.generate()
            self.authenticator = try ZAPAuthenticator(context: self.context, allowList: allowList)
            self.router = try ZMQSocket(context: self.context, type: .router)
            try self.router.setReceiveTimeout(milliseconds: 1500)
            try self.router.setMaxMessageSize(bytes: 4096)
            try self.router.apply(curve ? CurveServerSettings(keys: self.keys) : nil)
            try self.router.bind("tcp://127.0.0.1:*")
            self.port = UInt16(try self.router.lastEndpoint().split(separator: ":").last.flatMap { UInt16($0) } ?? 0)
        }

        /// Sends `text` from a DEALER with `keys` (nil: no CURVE) through `port`; returns what the ROUTER got.
        func deliver(_ text: String, from keys: CurveKeyPair?, port: UInt16? = nil) throws -> String? {
            let dealer = try ZMQSocket(context: self.context, type: .dealer)
            try dealer.apply(keys.map { CurveClientSettings(keys: $0, serverPublicKey: self.keys.publicKey) })
            try dealer.connect("tcp://127.0.0.1:\(port ?? self.port)")
            try dealer.send([Array(text.utf8)])
            guard let frames = try self.router.receive(), frames.count == 2 else { return nil }
            return String(decoding: frames[1], as: UTF8.self)
        }

        deinit {
            self.authenticator.stop()
        }
    }

    @Test("an allow-listed worker key gets through; an unknown key is refused during the handshake")
    func allowList() throws {
        let known = try CurveKeyPair.generate()
        let server = try GuardedServer(allowList: [known.publicKey])
        #expect(try server.deliver("hello from known", from: known) == "hello from known")
        let stranger = try CurveKeyPair.generate()
        #expect(try server.deliver("hello from stranger", from: stranger) == nil)
        #expect(server.authenticator.refusedCount >= 1)
        #expect(try server.deliver("no curve", from: nil) == nil, "a plain client cannot talk to a CURVE server")
    }

    @Test("with CURVE on, a sniffer on the wire never sees the plaintext; with it off, it does")
    func wireIsEncrypted() throws {
        let marker = "MIXREC-PLAINTEXT-MARKER-7f3a"
        let client = try CurveKeyPair.generate()
        for curve in [true, false] {
            let server = try GuardedServer(allowList: [client.publicKey], curve: curve)
            let relay = try TCPRelay(targetPort: server.port)
            defer { relay.close() }
            let received = try server.deliver(marker, from: curve ? client : nil, port: relay.port)
            #expect(received == marker, "the message arrives through the relay (curve \(curve))")
            #expect(relay.bytes.count > 0)
            #expect(relay.contains(marker) == !curve, "marker on the wire with curve \(curve)")
        }
    }

    @Test("a frame above ZMQ_MAXMSGSIZE drops the connection instead of being delivered")
    func sizeLimit() throws {
        let client = try CurveKeyPair.generate()
        let server = try GuardedServer(allowList: [client.publicKey])
        #expect(try server.deliver(String(repeating: "x", count: 5000), from: client) == nil)
    }

    @Test("ring links with CURVE still sum correctly")
    func ringWithCurve() throws {
        var settings = AllReduceSettings()
        settings.curve = RingCurveSettings(server: try CurveKeyPair.generate(), client: try CurveKeyPair.generate())
        let results = try RingHarness.run(
            worldSize: 3, settings: settings, endpoints: (0..<3).map { "tcp://127.0.0.1:\(46_100 + $0)" }
        ) { rank, group in
            var values = [Float](repeating: Float(rank + 1), count: 10)
            try group.sum(&values)
            return values
        }
        for result in results {
            #expect(try result.get() == [Float](repeating: 6, count: 10))
        }
    }
}
