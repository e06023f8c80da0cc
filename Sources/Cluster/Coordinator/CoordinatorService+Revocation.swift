import Foundation
import Logging
import ZeroMQ

// MARK: - Closing the connections of withdrawn CURVE keys

extension CoordinatorService {
    /// Closes every worker connection by replacing the ROUTER socket with a new one bound to the same endpoint,
    /// after an allow-list reload withdrew a key (``revokeWithdrawnKeys()``).
    ///
    /// Why the whole socket: libzmq 4.3 has no call that closes one peer's connection on a ROUTER. The alternatives
    /// are worse: shutting down the file descriptor a message came from (`ZMQ_SRCFD`, deprecated) races with libzmq
    /// closing and reusing that descriptor for another peer, and finds no descriptor at all for a revoked peer that
    /// sent nothing since the reload. Closing the socket ends every connection at once and for certain; the peers'
    /// DEALERs reconnect by themselves (every 100 ms) and go through the CURVE handshake and the ZAP handler again,
    /// which refuses the withdrawn keys and admits the others under the same routing ids (their worker ids). Nothing
    /// of a worker that stays is lost: the coordinator keeps its registration, runs and unacknowledged assignments
    /// and cancels (re-sent on the ticks); what the old socket still held is handled first; a report cut off in
    /// transit is re-sent by its worker until acknowledged, a lost heartbeat or progress message is superseded by the
    /// next one, and the gap (a fraction of a second) is far below `heartbeat.busy_dead_ms`. The revoked workers were
    /// already told to shut down and lost (their trials re-queued from their last checkpoints); the old socket lingers
    /// up to 0.5 s to deliver that Shutdown. Reloads that only add keys keep every connection.
    ///
    /// - Throws: `CoordinatorError.transport` when the endpoint cannot be bound again within 5 s (another process took
    ///   the port): the coordinator stops, and a restart continues the study.
    func closeEveryConnection() throws(CoordinatorError) {
        self.connectionsToClose = false
        // Take what already arrived on the old socket: an allowed worker's report is handled, a revoked one's refused.
        do {
            try self.receiveAvailable()
        } catch {
            throw .transport(error)
        }
        let workers = self.identities.count
        try? self.socket.setLinger(milliseconds: 500)
        // Free the port now, not when the reaper thread gets to the closed socket.
        try? self.socket.unbind(self.servingEndpoint)
        self.socket.close()
        self.connectionMonitor.socket.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                (self.socket, self.connectionMonitor) = try Self.openSocket(
                    context: self.context, settings: self.settings, endpoint: self.servingEndpoint)
                break
            } catch  where error.code == EADDRINUSE && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            } catch {
                self.logger.critical(
                    "could not bind the worker endpoint again after closing the revoked keys' connections",
                    metadata: ["endpoint": "\(self.servingEndpoint)", "error": "\(error)"])
                throw .transport(error)
            }
        }
        self.logger.notice(
            "closed every worker connection after a CURVE key was withdrawn; registered workers reconnect",
            metadata: ["endpoint": "\(self.servingEndpoint)", "registered": "\(workers)"])
    }
}
