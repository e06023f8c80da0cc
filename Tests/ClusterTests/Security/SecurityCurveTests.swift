import ClusterCoreTestKit
import Foundation
import Synchronization
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

        init(allowList: CurveAllowList, curve: Bool = true) throws {
            self.context = try ZMQContext()
            self.keys = try CurveKeyPair.generate()
            self.authenticator = try ZAPAuthenticator(context: self.context, allowList: allowList)
            self.router = try ZMQSocket(context: self.context, type: .router)
            try self.router.setReceiveTimeout(milliseconds: 1500)
            try self.router.setMaxMessageSize(bytes: 4096)
            try self.router.apply(curve ? CurveServerSettings(keys: self.keys, allowList: allowList) : nil)
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

        /// Asks the ZAP handler directly, as a CURVE server socket would; returns the reply's status code and user id.
        func askZAP(version: String, key: CurveKeyPair) throws -> (status: String, userID: String)? {
            let dealer = try ZMQSocket(context: self.context, type: .dealer)
            try dealer.setReceiveTimeout(milliseconds: 1500)
            try dealer.connect("inproc://zeromq.zap.01")
            let credentials = try #require(ZMQCurve.decode(key.publicKey))
            try dealer.send(
                [[], Array(version.utf8), Array("7".utf8), [], Array("127.0.0.1".utf8), [], Array("CURVE".utf8)]
                    + [credentials])
            guard let reply = try dealer.receive(), reply.count == 7 else { return nil }
            return (String(decoding: reply[3], as: UTF8.self), String(decoding: reply[5], as: UTF8.self))
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

    @Test("the ZAP handler names a connection after its key, which each message carries as User-Id")
    func userIDIsTheKey() throws {
        let client = try CurveKeyPair.generate()
        let server = try GuardedServer(allowList: [client.publicKey])
        let dealer = try ZMQSocket(context: server.context, type: .dealer)
        try dealer.apply(CurveClientSettings(keys: client, serverPublicKey: server.keys.publicKey))
        try dealer.connect("tcp://127.0.0.1:\(server.port)")
        try dealer.send([Array("hello".utf8)])
        let received = try #require(try server.router.receiveWithUserID())
        #expect(received.frames.count == 2 && received.userID == client.publicKey)
    }

    @Test("a CURVE server whose ZAP handler stopped admits no client, not even an allow-listed one")
    func failsClosedWithoutHandler() throws {
        let known = try CurveKeyPair.generate()
        let server = try GuardedServer(allowList: [known.publicKey])
        #expect(ZAPAuthenticator.isServing(in: server.context))
        #expect(try server.deliver("while serving", from: known) == "while serving")
        server.authenticator.stop()
        #expect(!ZAPAuthenticator.isServing(in: server.context))
        // libzmq's default would admit the client without a User-Id; the socket is configured to fail closed.
        #expect(try server.deliver("after the handler stopped", from: known) == nil)
    }

    @Test("a CURVE coordinator refuses to start when no ZAP handler runs in its context")
    func coordinatorNeedsHandler() throws {
        let directory = try StudyDirectory()
        let store = try StudyStore(directory: directory.url)
        let context = try ZMQContext()
        var settings = CoordinatorSettings.loopback(budget: 1, maxEpochs: 1)
        let worker = try CurveKeyPair.generate()
        settings.curve = CurveServerSettings(keys: try CurveKeyPair.generate(), allowList: [worker.publicKey])
        #expect(throws: CoordinatorError.noZAPHandler) {
            _ = try CoordinatorService(
                context: context, settings: settings, store: store, proposer: CountingProposer(), pruner: NoPruning())
        }
        #expect(CoordinatorError.noZAPHandler.description.contains("no ZAP handler serves inproc://zeromq.zap.01"))
        #expect(try store.study() == nil, "refused before the study was created")
    }

    @Test("the ZAP handler answers only version 1.0 requests")
    func zapVersion() throws {
        let client = try CurveKeyPair.generate()
        let server = try GuardedServer(allowList: [client.publicKey])
        let accepted = try #require(try server.askZAP(version: "1.0", key: client))
        #expect(accepted.status == "200" && accepted.userID == client.publicKey)
        for version in ["2.0", "1", ""] {
            #expect(try server.askZAP(version: version, key: client)?.status == "400", "version '\(version)'")
        }
        #expect(server.authenticator.refusedCount == 3)
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

    @Test("ring links with CURVE sum correctly; a client without the ring secret key is refused by ZAP")
    func ringWithCurve() throws {
        let context = try ZMQContext()
        let ring = try CurveKeyPair.generate()
        let authenticator = try ZAPAuthenticator(context: context, allowList: [ring.publicKey])
        defer { authenticator.stop() }
        var settings = AllReduceSettings()
        settings.curve = RingCurveSettings(keys: ring)
        let endpoints = (0..<3).map { _ in "tcp://127.0.0.1:\(MixRecBinary.freePort())" }
        // An intruder that knows the ring's public key (not its secret) pushes a forged chunk at rank 0.
        let results = try RingHarness.run(worldSize: 3, settings: settings, context: context, endpoints: endpoints) {
            rank, group in
            if rank == 0 {
                let intruder = try ZMQSocket(context: context, type: .push)
                try intruder.configureCurveClient(try CurveKeyPair.generate(), serverPublicKey: ring.publicKey)
                try intruder.connect(endpoints[0])
                try intruder.send([
                    ChunkHeader(
                        runTag: 0, sequence: 1, ringStep: 0, chunk: 0, payloadBytes: 4, checksum: 0
                    ).encoded, [0, 0, 0, 0],
                ])
                let deadline = ContinuousClock.now + .seconds(5)
                while authenticator.refusedCount == 0 && ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }
            var values = [Float](repeating: Float(rank + 1), count: 10)
            try group.sum(&values)
            return values
        }
        for result in results {
            #expect(try result.get() == [Float](repeating: 6, count: 10), "the forged chunk never arrived")
        }
        #expect(authenticator.refusedCount >= 1, "the intruder's handshake was refused")
    }

    @Test("ring chunks on the wire are ciphertext with CURVE and plaintext without", arguments: [true, false])
    func ringWire(curve: Bool) throws {
        let context = try ZMQContext()
        let ring = try CurveKeyPair.generate()
        let authenticator = try ZAPAuthenticator(context: context, allowList: [ring.publicKey])
        defer { authenticator.stop() }
        var plain = AllReduceSettings()
        plain.curve = curve ? RingCurveSettings(keys: ring) : nil
        let settings = plain
        // 24 ASCII bytes read as 6 (finite) Floats: the marker sits in the raw chunk bytes rank 0 sends first.
        let marker = "MIXREC-RING-MARKER-9c1e7"
        let pattern = [UInt8](marker.utf8).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let values = Array([[Float]](repeating: pattern, count: 8).joined())
        // Rank 0 reaches rank 1 through the relay, which records the bytes.
        let ports = (MixRecBinary.freePort(), MixRecBinary.freePort())
        let relay = try TCPRelay(targetPort: UInt16(ports.1))
        defer { relay.close() }
        let endpoints = ["tcp://127.0.0.1:\(ports.0)", "tcp://127.0.0.1:\(relay.port)"]
        let rankOneBound = DispatchSemaphore(value: 0)
        let results = Mutex<[Int: Result<[Float], any Error>]>([:])
        let done = DispatchGroup()
        for rank in [1, 0] {
            done.enter()
            Thread {
                defer { done.leave() }
                let result = Result<[Float], any Error> {
                    if rank == 0 { rankOneBound.wait() }
                    let group = try AllReduceGroup(
                        rank: rank, endpoints: endpoints, context: context, settings: settings,
                        bindEndpoint: rank == 1 ? "tcp://127.0.0.1:\(ports.1)" : nil)
                    if rank == 1 { rankOneBound.signal() }
                    var sum = values
                    try group.sum(&sum)
                    return sum
                }
                if case .failure = result, rank == 1 { rankOneBound.signal() }
                results.withLock { $0[rank] = result }
            }.start()
        }
        done.wait()
        for rank in 0..<2 {
            #expect(try results.withLock { $0[rank] }?.get() == values.map { $0 + $0 })
        }
        #expect(relay.bytes.count > values.count * 4 / 2, "rank 0's half of the buffer crossed the relay")
        #expect(relay.contains(marker) == !curve, "marker on the wire with curve \(curve)")
    }
}
