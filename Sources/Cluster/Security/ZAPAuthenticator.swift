import Foundation
import Synchronization
import ZeroMQ

/// A ZAP handler (RFC 27): a thread serving `inproc://zeromq.zap.01` in one context that admits a CURVE client
/// only if its public key is on the allow-list, and names the connection's `User-Id` after that key (which the
/// coordinator reads to check the worker id it registers as). Every CURVE server socket of that context asks it
/// during the handshake, so a worker with an unknown key never gets a connection (and so can never register).
/// Requests of a ZAP version other than 1.0 are denied. The allow-list is a ``LiveAllowList``: replacing it (a
/// SIGHUP reload) takes effect at the next handshake.
///
/// Start it before the server sockets bind; `stop()` (or the context shutting down) ends the thread.
public final class ZAPAuthenticator: Sendable {
    /// The allow-list each handshake is checked against.
    public let allowList: LiveAllowList
    /// The only ZAP version served (RFC 27).
    static let version = "1.0"
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)
    private let refusals = Atomic<Int>(0)

    /// Binds the ZAP endpoint in `context` and starts serving on a new thread.
    /// - Parameter allowList: the public keys of the clients to admit.
    /// - Throws: `ZMQError` if the endpoint cannot be bound (another handler already runs in this context).
    public convenience init(context: ZMQContext, allowList: CurveAllowList) throws(ZMQError) {
        try self.init(context: context, live: LiveAllowList(allowList))
    }

    /// Binds the ZAP endpoint in `context` and starts serving on a new thread, admitting the keys `live` holds
    /// at each handshake.
    /// - Throws: `ZMQError` if the endpoint cannot be bound (another handler already runs in this context).
    public init(context: ZMQContext, live: LiveAllowList) throws(ZMQError) {
        self.allowList = live
        let ready = DispatchSemaphore(value: 0)
        let failure = BindFailure()
        let thread = Thread { [self] in
            do throws(ZMQError) {
                let socket = try ZMQSocket(context: context, type: .router)
                try socket.setReceiveTimeout(milliseconds: 50)
                try socket.bind(Self.endpoint)
                ready.signal()
                self.serve(socket)
                // Free the endpoint before `stop()` returns: closing frees it only later, asynchronously.
                try? socket.unbind(Self.endpoint)
            } catch {
                failure.error.withLock { $0 = error }
                ready.signal()
            }
            self.finished.signal()
        }
        thread.name = "mixrec.zap"
        thread.start()
        ready.wait()
        if let error = failure.error.withLock({ $0 }) { throw error }
    }

    /// Replaces the allow-list (new handshakes see it at once; a coordinator reading the same ``LiveAllowList``
    /// refuses the messages of established connections whose key is gone, and closes them).
    public func updateAllowList(_ allowList: CurveAllowList) {
        self.allowList.replace(with: allowList)
    }

    /// The endpoint every CURVE server socket of a context asks (RFC 27).
    static let endpoint = "inproc://zeromq.zap.01"

    /// Whether a ZAP handler is bound in `context` now: probed by binding its endpoint, which succeeds only when
    /// none is (the probe then unbinds at once). CURVE servers fail closed without one (see
    /// `ZMQSocket.configureCurveServer`); this lets a server say so before it binds, instead of admitting nobody.
    public static func isServing(in context: ZMQContext) -> Bool {
        guard let probe = try? ZMQSocket(context: context, type: .router) else { return false }
        defer { probe.close() }
        do {
            try probe.bind(Self.endpoint)
            try? probe.unbind(Self.endpoint)
            return false
        } catch {
            return error.code == EADDRINUSE
        }
    }

    /// Handshakes refused so far.
    public var refusedCount: Int { self.refusals.load(ordering: .relaxed) }

    /// Stops the thread and waits until it has released the endpoint (``isServing(in:)`` is false afterwards).
    public func stop() {
        guard self.running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        self.finished.wait()
    }

    // MARK: - Serving

    /// Request: `[peer][empty][version][request id][domain][address][identity][mechanism][credentials…]`.
    /// Reply: `[peer][empty][version][request id][status code][status text][user id][metadata]`.
    private func serve(_ socket: ZMQSocket) {
        while self.running.load(ordering: .acquiring) {
            let request: [[UInt8]]?
            do {
                request = try socket.receive(maxFrames: 16)
            } catch {
                if error.isContextTerminated { return }
                continue
            }
            guard let request, request.count >= 8 else { continue }
            let (code, text, user) = self.decide(
                version: request[2], mechanism: request[7], credentials: request.dropFirst(8).first)
            let reply: [[UInt8]] = [
                request[0], request[1], Array(Self.version.utf8), request[3], Array(code.utf8), Array(text.utf8),
                Array(user.utf8), [],
            ]
            do {
                try socket.send(reply)
            } catch {
                if error.isContextTerminated { return }
            }
        }
    }

    /// The status code, status text and user id answering one request.
    func decide(version: [UInt8], mechanism: [UInt8], credentials: [UInt8]?) -> (String, String, String) {
        guard String(decoding: version, as: UTF8.self) == Self.version else {
            self.refusals.add(1, ordering: .relaxed)
            return ("400", "ZAP version \(Self.version) required", "")
        }
        guard String(decoding: mechanism, as: UTF8.self) == "CURVE", let credentials,
            let key = credentials.withUnsafeBytes({ ZMQCurve.encode($0) })
        else {
            self.refusals.add(1, ordering: .relaxed)
            return ("400", "CURVE required", "")
        }
        guard self.allowList.current.keys.contains(key) else {
            self.refusals.add(1, ordering: .relaxed)
            return ("400", "public key not on the allow-list", "")
        }
        return ("200", "OK", key)
    }
}

/// Carries a bind failure from the handler thread to the initialiser.
private final class BindFailure: Sendable {
    let error = Mutex<ZMQError?>(nil)
}
