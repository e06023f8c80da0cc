import CZeroMQ

/// A CURVE key pair as Z85 text (40 characters each), the form ZeroMQ's options and key files use.
public struct CurveKeyPair: Sendable, Equatable {
    /// The public key, shared with peers (and in allow-lists).
    public var publicKey: String
    /// The secret key; never leaves its owner.
    public var secretKey: String

    /// A key pair from two Z85 strings.
    /// - Throws: `ZMQError` (`EINVAL`) if either is not 40 valid Z85 characters.
    public init(publicKey: String, secretKey: String) throws(ZMQError) {
        guard ZMQCurve.decode(publicKey) != nil, ZMQCurve.decode(secretKey) != nil else {
            throw ZMQError(operation: "parse CURVE key pair", code: EINVAL)
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh random key pair (`zmq_curve_keypair`).
    /// - Throws: `ZMQError` (`ENOTSUP` when libzmq was built without CURVE).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return try CurveKeyPair(
            publicKey: String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secretKey: String(decoding: secretKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

/// Z85 conversions of 32-byte CURVE keys.
public enum ZMQCurve {
    /// Whether the linked libzmq supports CURVE.
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// `ZMQ_ZAP_ENFORCE_DOMAIN`: zmq.h declares it only with the draft API, but libzmq 4.3 honours it in every
    /// build (see `ZMQSocket.configureCurveServer`).
    static let zapEnforceDomain: Int32 = 93

    /// The 32 key bytes of a 40-character Z85 key, or nil if it is not one.
    public static func decode(_ z85: String) -> [UInt8]? {
        let text = Array(z85.utf8)
        guard text.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        let decoded = (text.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer { source in
            zmq_z85_decode(&bytes, source.baseAddress) != nil
        }
        return decoded ? bytes : nil
    }

    /// The Z85 text of 32 key bytes (as a ZAP request carries them).
    public static func encode(_ key: UnsafeRawBufferPointer) -> String? {
        guard key.count == 32, let base = key.baseAddress else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&text, base.assumingMemoryBound(to: UInt8.self), 32) != nil else { return nil }
        return String(decoding: text.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - Socket options

extension ZMQSocket {
    /// Makes this socket a CURVE server with `keys` (set before `bind`). Clients must know `keys.publicKey`, and
    /// the context's ZAP handler decides which of them may connect (domain `zapDomain`).
    ///
    /// It fails closed: with no handler bound to `inproc://zeromq.zap.01` (none started, or one that stopped)
    /// every handshake fails. libzmq 4.3 would otherwise admit any client that knows the server key, without a ZAP
    /// `User-Id` (the "Stonehouse" fallback); `ZMQ_ZAP_ENFORCE_DOMAIN` with a non-empty domain turns that off (measured
    /// on libzmq 4.3.4: without the domain the option changes nothing).
    /// - Throws: `ZMQError` if an option is refused, `ZMQ_ZAP_ENFORCE_DOMAIN` included (a libzmq that cannot fail
    ///   closed is not used as a CURVE server); `EINVAL` for an empty `zapDomain`.
    public func configureCurveServer(_ keys: CurveKeyPair, zapDomain: String = "mixrec") throws(ZMQError) {
        guard !zapDomain.isEmpty else { throw ZMQError(operation: "set ZMQ_ZAP_DOMAIN (empty)", code: EINVAL) }
        try self.setInt32Option(ZMQ_CURVE_SERVER, 1, name: "ZMQ_CURVE_SERVER")
        try self.setStringOption(ZMQ_CURVE_SECRETKEY, keys.secretKey, name: "ZMQ_CURVE_SECRETKEY")
        try self.setStringOption(ZMQ_CURVE_PUBLICKEY, keys.publicKey, name: "ZMQ_CURVE_PUBLICKEY")
        try self.setStringOption(ZMQ_ZAP_DOMAIN, zapDomain, name: "ZMQ_ZAP_DOMAIN")
        try self.setInt32Option(ZMQCurve.zapEnforceDomain, 1, name: "ZMQ_ZAP_ENFORCE_DOMAIN")
    }

    /// Makes this socket a CURVE client with its own `keys`, talking to the server whose public key is
    /// `serverPublicKey` (set before `connect`).
    public func configureCurveClient(_ keys: CurveKeyPair, serverPublicKey: String) throws(ZMQError) {
        try self.setStringOption(ZMQ_CURVE_SERVERKEY, serverPublicKey, name: "ZMQ_CURVE_SERVERKEY")
        try self.setStringOption(ZMQ_CURVE_PUBLICKEY, keys.publicKey, name: "ZMQ_CURVE_PUBLICKEY")
        try self.setStringOption(ZMQ_CURVE_SECRETKEY, keys.secretKey, name: "ZMQ_CURVE_SECRETKEY")
    }

    func setStringOption(_ option: Int32, _ value: String, name: String) throws(ZMQError) {
        let handle = try self.handle(for: "set \(name)")
        let bytes = Array(value.utf8)
        let status = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard status == 0 else { throw ZMQError.last("set \(name)") }
    }
}
