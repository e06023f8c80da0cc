import ClusterProto
import Foundation
import Logging
import ZeroMQ

// MARK: - Worker rows, throughput and message counters, into the study database in batches

extension CoordinatorService {
    /// Feeds a heartbeat's totals to the throughput tracker; a changed sample waits for the next telemetry flush.
    func recordThroughput(_ heartbeat: Mixrec_Cluster_V1_Heartbeat, of worker: WorkerID, now: ClusterTime) {
        guard
            let sample = self.throughput.record(
                worker, steps: heartbeat.stepsTotal, allReduceBytes: heartbeat.allreduceBytes,
                allReduceSeconds: heartbeat.allreduceSeconds, now: now)
        else { return }
        self.throughputSamples[worker] = WorkerThroughputRecord(
            workerID: worker.rawValue, stepsTotal: Int64(clamping: sample.steps), stepRate: sample.stepRate,
            allReduceBytes: Int64(clamping: sample.allReduceBytes), allReduceSeconds: sample.allReduceSeconds,
            updatedAt: Date())
    }

    /// Writes, in one transaction and at most every `counterFlushInterval` unless `force`: the changed message
    /// counters, the new throughput samples, and the rows of workers heard since their row was last written (at
    /// most once per `workerRowInterval` each), so heartbeat ages stay fresh without a write per heartbeat. A
    /// failed write is logged and tried again at the next flush; these are observations, not state transitions.
    func flushTelemetry(force: Bool) {
        guard force || ContinuousClock.now - self.countersFlushed >= self.settings.counterFlushInterval else { return }
        self.countersFlushed = ContinuousClock.now
        let now = self.now()
        let counters = self.counters.takeChanges()
        let due = self.workerRows.due(self.core.membership.members, now: now)
        let records = due.compactMap { self.core.membership.members[$0] }
        let throughput = Array(self.throughputSamples.values).sorted { $0.workerID < $1.workerID }
        guard !counters.isEmpty || !records.isEmpty || !throughput.isEmpty else { return }
        do {
            try self.store.saveTelemetry(
                counters: counters, workers: records.map { self.row(of: $0) }, throughput: throughput)
            for record in records {
                self.workerRows.recordWritten(record.info.id, heard: record.lastHeard, busy: record.isBusy, at: now)
            }
            self.throughputSamples = [:]
        } catch {
            self.counters.markChanged(counters)
            self.logger.error(
                "could not record worker rows, throughput and message counters; trying again at the next flush",
                metadata: ["error": "\(error)", "every": "\(self.settings.counterFlushInterval)"])
        }
    }
}

// MARK: - Connection events

extension CoordinatorService {
    /// Counts every closed connection of the socket and logs them, at most one line per
    /// `settings.closedConnectionLogInterval` (``LogRateLimit``): a reconnect storm would otherwise flood the log with
    /// a line per connection. A line says how many closed connections were left out since the previous one
    /// (`not_logged`). libzmq drops a peer that sends a frame above `ZMQ_MAXMSGSIZE` before any message reaches the
    /// coordinator and reports it only as a closed connection, like a peer that closed it, so the line names every
    /// cause.
    func recordConnectionEvents() throws(ZMQError) {
        while let event = try self.connectionMonitor.next() {
            guard event.kind == .disconnected else { continue }
            self.counters.increment(CoordinatorCounters.connections, "closed")
            guard let left = self.closedConnectionLog.admit(now: self.now()) else { continue }
            self.logger.notice(
                Logger.Message(
                    stringLiteral: "a peer's connection closed: the peer closed it, the network failed, or libzmq "
                        + "dropped it for a frame above max_frame_bytes (libzmq does not say which)"),
                metadata: [
                    "endpoint": "\(event.endpoint)", "max_frame_bytes": "\(self.settings.limits.maxFrameBytes)",
                    "closed_total": "\(self.counters.value(CoordinatorCounters.connections, "closed"))",
                    "not_logged": "\(left)",
                ])
        }
    }

    /// Logs how many closed connections were left out of the log, once the interval since the last line has passed
    /// (called on ticks, so the end of a storm is reported even when no connection closes after it).
    func summariseClosedConnections() {
        guard let left = self.closedConnectionLog.due(now: self.now()) else { return }
        self.logger.notice(
            "more peer connections closed than were logged",
            metadata: [
                "not_logged": "\(left)",
                "closed_total": "\(self.counters.value(CoordinatorCounters.connections, "closed"))",
                "every": "\(self.settings.closedConnectionLogInterval)",
            ])
    }
}
