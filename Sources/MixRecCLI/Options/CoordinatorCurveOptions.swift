import ArgumentParser
import Cluster
import Logging
import ZeroMQ

/// `--curve-keys` and `--curve-allow` of `mixrec coordinator`: CURVE on the control socket, and a ZAP handler
/// that admits only allow-listed worker keys.
struct CoordinatorCurveOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The coordinator's CURVE key pair: a directory holding coordinator.public and coordinator.secret, or "
                + "PATH for PATH.public and PATH.secret (from `mixrec keys generate`). Turns CURVE on.",
            valueName: "dir-or-path"))
    var curveKeys: String?

    @Option(
        help: ArgumentHelp(
            "The worker public keys allowed to connect: a file with one Z85 key per line, each optionally followed "
                + "by worker=ID (the only worker id the key may register as), or a directory of *.public files. "
                + "Required with --curve-keys. SIGHUP rereads it: removed keys lose access at once.",
            valueName: "dir-or-file"))
    var curveAllow: String?

    func validate() throws {
        guard (self.curveKeys == nil) == (self.curveAllow == nil) else {
            throw ValidationError(
                "--curve-keys and --curve-allow go together (CURVE needs both the key pair and the allow-list).")
        }
        _ = try self.load()
    }

    /// The server's key pair and the allow-list; nil without CURVE.
    func load() throws -> CurveServerSettings? {
        guard let keys = self.curveKeys, let allow = self.curveAllow else { return nil }
        guard ZMQCurve.isAvailable else { throw ValidationError("this libzmq was built without CURVE support.") }
        do {
            return CurveServerSettings(
                keys: try CurveKeyFiles.pair(at: keys, defaultName: "coordinator"),
                allowList: try CurveKeyFiles.allowList(at: allow))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Starts the ZAP handler in `context` (before any socket binds) and returns the ROUTER's CURVE settings;
    /// nil without CURVE. Stop the authenticator when the coordinator ends.
    func start(in context: ZMQContext) throws -> (server: CurveServerSettings, authenticator: ZAPAuthenticator)? {
        guard let server = try self.load() else { return nil }
        return (server, try ZAPAuthenticator(context: context, allowList: server.allowList))
    }

    /// Rereads the allow-list into `authenticator` (and so the coordinator) on every SIGHUP; nil without CURVE.
    /// Keep the result for as long as the coordinator runs.
    func reloadOnHangUp(_ authenticator: ZAPAuthenticator?, logger: Logger) -> HangUpSignal? {
        guard let authenticator, let path = self.curveAllow else { return nil }
        let reloader = CurveAllowListReloader(path: path, live: authenticator.allowList, logger: logger)
        return HangUpSignal {
            logger.notice("SIGHUP: rereading the CURVE allow-list", metadata: ["path": "\(path)"])
            reloader.reload()
        }
    }
}
