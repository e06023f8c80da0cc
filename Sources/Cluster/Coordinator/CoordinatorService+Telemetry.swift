import ClusterProto
import Foundation
import Logging

// MARK: - Worker throughput and message counters, into the study database

extension CoordinatorService {
    /// Feeds a heartbeat's totals to the throughput tracker and stores the worker's sample when it changed.
    func recordThroughput(_ heartbeat: Mixrec_Cluster_V1_Heartbeat, of worker: WorkerID, now: ClusterTime) {
        guard
            let sample = self.throughput.record(
                worker, steps: heartbeat.stepsTotal, allReduceBytes: heartbeat.allreduceBytes,
                allReduceSeconds: heartbeat.allreduceSeconds, now: now)
        else { return }
        do {
            try self.store.save(
                WorkerThroughputRecord(
                    workerID: worker.rawValue, stepsTotal: Int64(clamping: sample.steps), stepRate: sample.stepRate,
                    allReduceBytes: Int64(clamping: sample.allReduceBytes), allReduceSeconds: sample.allReduceSeconds,
                    updatedAt: Date()))
        } catch {
            self.logger.error("could not record a worker's throughput", metadata: ["error": "\(error)"])
        }
    }

    /// Writes the changed message counters, at most every `counterFlushInterval` unless `force`.
    func flushCounters(force: Bool) {
        guard force || ContinuousClock.now - self.countersFlushed >= self.settings.counterFlushInterval else { return }
        self.countersFlushed = ContinuousClock.now
        let changes = self.counters.takeChanges()
        guard !changes.isEmpty else { return }
        do {
            try self.store.save(changes)
        } catch {
            self.logger.error("could not record the message counters", metadata: ["error": "\(error)"])
        }
    }
}
