import ClusterProto
import Logging

// MARK: - The CURVE keys of connections and workers

extension CoordinatorService {
    /// The allow-list in force: the live one when it can be reloaded, else the settings'; nil without CURVE.
    var allowList: CurveAllowList? {
        guard let curve = self.settings.curve else { return nil }
        return self.settings.liveAllowList?.current ?? curve.allowList
    }

    /// Why a message from a connection that authenticated with `key` (its ZAP `User-Id`) is refused before it is
    /// even decoded; nil when it may be handled. Without CURVE every connection may; with it, only one whose key is
    /// on the allow-list now: a connection without a key got past no ZAP handler, and one whose key was removed by a
    /// reload is refused in the moment before the coordinator closes it (``closeEveryConnection()``).
    func connectionRefusal(key: String?) -> String? {
        guard let allowList = self.allowList else { return nil }
        guard let key else { return "the connection has no CURVE User-Id (no ZAP handler authenticated it)" }
        return allowList.keys.contains(key) ? nil : "its CURVE key \(key) is not on the allow-list"
    }

    /// Answers a refused connection with an `Error` (`outOfRange`, as a refused registration is answered) and logs the
    /// refusal: at warning level the first time per key after each allow-list change, at debug level after that.
    func refuse(_ identity: [UInt8], key: String?, because refusal: String) {
        self.counters.increment(CoordinatorCounters.rejected, "curveKey")
        let first = self.refusedKeysLogged.insert(key ?? "").inserted
        self.logger.log(
            level: first ? .warning : .debug, "refused a message", metadata: ["reason": "\(refusal)"])
        self.send(WireError(.outOfRange, refusal).replyEnvelope(sequence: self.takeSequence()), to: identity)
    }

    /// Why a worker whose connection authenticated with `key` may not register as `worker`; nil when it may.
    /// Without CURVE any id registers. With it, a key the allow-list binds registers only as its worker id, an
    /// unbound key as any (logged), and a connection without a key (no ZAP `User-Id`) as none.
    func keyRefusal(of worker: WorkerID, key: String?) -> String? {
        guard let allowList = self.allowList else { return nil }
        if let key, allowList.keys.contains(key), allowList.workerIDs[key] == nil {
            self.logger.notice(
                "worker registers with a key the allow-list binds to no worker id (add worker=ID to bind it)",
                metadata: ["worker": "\(worker)", "key": "\(key)"])
        }
        return Self.refusal(of: worker, key: key, by: allowList)
    }

    /// Why `allowList` does not let a connection with `key` act as `worker`; nil when it does.
    static func refusal(of worker: WorkerID, key: String?, by allowList: CurveAllowList) -> String? {
        guard let key, allowList.keys.contains(key) else { return "its CURVE key is not on the allow-list" }
        guard let bound = allowList.workerIDs[key] else { return nil }
        return bound == worker.rawValue ? nil : "its CURVE key is bound to worker \(bound), not \(worker)"
    }

    /// After an allow-list reload: every registered worker whose key the new list no longer admits as that worker
    /// (removed, or bound to another id) is told to shut down, forgotten, and lost at once; its run ends as a lost
    /// worker's (``CoordinatorCore/revoke(_:reason:now:)``), and its later messages are refused
    /// (``connectionRefusal(key:)``). If the reload withdrew any key the open connections were admitted under, they
    /// are all closed at the top of the serving loop's next turn (``closeEveryConnection()``), so no connection made
    /// with a withdrawn key outlives the reload. Nothing happens while the list is unchanged.
    func revokeWithdrawnKeys() {
        guard self.settings.curve != nil, let live = self.settings.liveAllowList else { return }
        let (allowList, version) = live.snapshot
        guard version != self.allowListVersion else { return }
        self.allowListVersion = version
        self.refusedKeysLogged = []
        if let admitted = self.admittedAllowList {
            let withdrawn = admitted.keys.filter {
                !allowList.keys.contains($0) || allowList.workerIDs[$0] != admitted.workerIDs[$0]
            }
            if !withdrawn.isEmpty {
                self.logger.notice(
                    "the reloaded allow-list withdraws keys: closing every worker connection, the others reconnect",
                    metadata: ["withdrawn": "\(withdrawn.count)"])
                self.connectionsToClose = true
            }
        }
        self.admittedAllowList = allowList
        for (worker, key) in self.workerKeys.sorted(by: { $0.key < $1.key }) {
            guard let refusal = Self.refusal(of: worker, key: key, by: allowList) else { continue }
            self.logger.warning(
                "revoked a worker: the reloaded allow-list no longer admits its key",
                metadata: ["worker": "\(worker)", "reason": "\(refusal)"])
            var shutdown = Mixrec_Cluster_V1_Shutdown()
            shutdown.reason = "access revoked: \(refusal)"
            self.send(.shutdown(shutdown), to: worker)
            if let identity = self.identities.removeValue(forKey: worker) { self.workersByIdentity[identity] = nil }
            self.workerKeys[worker] = nil
            self.perform(self.core.revoke(worker, reason: "CURVE key revoked: \(refusal)", now: self.now()))
        }
    }
}
