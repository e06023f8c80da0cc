import ArgumentParser
import Cluster
import Foundation
import ZeroMQ

/// The security and all-reduce options of `mixrec worker`: CURVE towards the coordinator and on the ring, and
/// where group peers reach this worker.
struct WorkerPeerOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "This worker's CURVE key pair: a directory holding worker.public and worker.secret, or PATH for "
                + "PATH.public and PATH.secret. Turns CURVE on, towards the coordinator and on the all-reduce ring.",
            valueName: "dir-or-path"))
    var curveKeys: String?

    @Option(help: ArgumentHelp("The coordinator's public key file (with --curve-keys).", valueName: "file"))
    var curveServerKey: String?

    @Option(
        help: ArgumentHelp(
            "The cluster's ring key pair, shared by all workers (default: `ring` next to the --curve-keys pair).",
            valueName: "dir-or-path"))
    var ringKeys: String?

    @Option(help: "Where group peers reach this worker's all-reduce socket, e.g. tcp://10.0.0.2:6000 (groups of 2+).")
    var peerEndpoint: String?

    @Option(help: "Where to bind the all-reduce socket if not at --peer-endpoint, e.g. tcp://0.0.0.0:6000.")
    var peerBind: String?

    @Option(
        help: ArgumentHelp(
            "Seconds a rank waits for a silent group peer before the trial fails over (default: the coordinator's "
                + "heartbeat.busy_dead_ms, sent when the worker registers).",
            valueName: "seconds"))
    var peerTimeout: Double?

    func validate() throws {
        guard (self.curveKeys == nil) == (self.curveServerKey == nil) else {
            throw ValidationError("--curve-keys and --curve-server-key go together.")
        }
        guard self.ringKeys == nil || self.curveKeys != nil else {
            throw ValidationError("--ring-keys needs --curve-keys (CURVE is off without it).")
        }
        guard self.peerBind == nil || self.peerEndpoint != nil else {
            throw ValidationError("--peer-bind needs --peer-endpoint: the address group peers connect to.")
        }
        for endpoint in [self.peerEndpoint, self.peerBind].compactMap({ $0 })
        where !["tcp://", "ipc://", "inproc://"].contains(where: endpoint.hasPrefix) {
            throw ValidationError("\(endpoint) is not a ZeroMQ endpoint (tcp://HOST:PORT, ipc://PATH).")
        }
        guard self.peerTimeout.map({ $0 > 0 && $0 <= 3600 }) ?? true else {
            throw ValidationError("--peer-timeout must be more than 0 and at most 3600 seconds.")
        }
        _ = try self.curve()
    }

    /// The CURVE settings of the coordinator link and of the ring; nil without CURVE.
    func curve() throws -> (control: CurveClientSettings, ring: RingCurveSettings)? {
        guard let keysPath = self.curveKeys, let serverKeyPath = self.curveServerKey else { return nil }
        guard ZMQCurve.isAvailable else { throw ValidationError("this libzmq was built without CURVE support.") }
        let ringPath = self.ringKeys ?? Self.sibling(of: keysPath, named: "ring")
        do {
            let keys = try CurveKeyFiles.pair(at: keysPath, defaultName: "worker")
            let serverKey = try CurveKeyFiles.publicKey(at: serverKeyPath)
            let ring = try CurveKeyFiles.pair(at: ringPath, defaultName: "ring")
            return (CurveClientSettings(keys: keys, serverPublicKey: serverKey), RingCurveSettings(keys: ring))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `--peer-timeout` as a duration (nil: follow the coordinator's busy-worker timeout).
    var peerTimeoutDuration: Duration? { self.peerTimeout.map { .milliseconds(Int64(($0 * 1000).rounded())) } }

    /// The ring links of this worker in `context`, with the ZAP handler that admits only ring-key holders when
    /// CURVE is on (stop it when the worker ends). Their timeout is `--peer-timeout`, else the ring's default
    /// (which runs use only when the coordinator sent no timeout of its own).
    func links(in context: ZMQContext) throws -> (links: PeerLinks, authenticator: ZAPAuthenticator?) {
        var settings = AllReduceSettings()
        settings.timeout = self.peerTimeoutDuration ?? settings.timeout
        settings.curve = try self.curve()?.ring
        let authenticator = try settings.curve.map {
            try ZAPAuthenticator(context: context, allowList: [$0.keys.publicKey])
        }
        return (PeerLinks(context: context, settings: settings, bindEndpoint: self.peerBind), authenticator)
    }

    /// `PATH/NAME` for a directory `PATH`, else `NAME` in the folder holding `PATH`.
    private static func sibling(of path: String, named name: String) -> String {
        var directory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &directory), directory.boolValue {
            return "\(path)/\(name)"
        }
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? name : "\(folder)/\(name)"
    }
}
