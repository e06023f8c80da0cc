import Foundation
import HTTPServing

/// The `/metrics` page: the study's state as Prometheus gauges and counters, all read from the study database
/// (trials, workers and their throughput from heartbeats, the coordinator's message counters, the event log).
enum DashboardMetrics {
    static func exposition(_ snapshot: DashboardSnapshot, eventCounts: [String: Int]) -> String {
        var out = PrometheusText()
        let status = snapshot.status

        out.family("mixrec_study_budget", .gauge, help: "Trials the study runs in total.")
        out.sample("mixrec_study_budget", Double(status.budget))

        out.family("mixrec_trials", .gauge, help: "Trials by state.")
        for state in [TrialState.waiting, .running, .complete, .pruned, .failed] {
            let count = status.trials.count { $0.state == state }
            out.sample("mixrec_trials", [("state", state.rawValue)], Double(count))
        }

        out.family("mixrec_trial_failed_attempts_total", .counter, help: "Trial runs that ended in a failure.")
        out.sample("mixrec_trial_failed_attempts_total", Double(snapshot.trials.reduce(0) { $0 + $1.failedAttempts }))

        if let best = status.best, let value = best.metrics[snapshot.objective] {
            out.family("mixrec_best_objective", .gauge, help: "The best complete trial's objective.")
            out.sample(
                "mixrec_best_objective", [("metric", snapshot.objective), ("trial", "\(best.id)")], value)
        }

        out.family("mixrec_workers", .gauge, help: "Workers by status.")
        for state in [WorkerStatus.alive, .suspect, .dead] {
            out.sample(
                "mixrec_workers", [("status", state.rawValue)], Double(status.workers.count { $0.status == state }))
        }
        out.family(
            "mixrec_worker_heartbeat_age_seconds", .gauge,
            help: "Seconds since the coordinator last recorded contact with the worker.")
        for worker in status.workers {
            out.sample(
                "mixrec_worker_heartbeat_age_seconds", Self.labels(of: worker),
                max(0, snapshot.now.timeIntervalSince(worker.lastSeen)))
        }
        out.family("mixrec_worker_busy", .gauge, help: "1 while the worker runs a trial.")
        for worker in status.workers {
            out.sample("mixrec_worker_busy", Self.labels(of: worker), worker.busy ? 1 : 0)
        }

        Self.throughput(snapshot, into: &out)
        Self.messages(snapshot, into: &out)

        out.family("mixrec_study_events_total", .counter, help: "Events in the study log by kind.")
        for (kind, count) in eventCounts.sorted(by: { $0.key < $1.key }) {
            out.sample("mixrec_study_events_total", [("kind", kind)], Double(count))
        }
        return out.text
    }

    /// Step rates, step totals and all-reduce totals of the workers that reported any.
    private static func throughput(_ snapshot: DashboardSnapshot, into out: inout PrometheusText) {
        let reported = snapshot.status.workers.compactMap { worker in
            snapshot.throughput[worker.id].map { (Self.labels(of: worker), $0) }
        }
        out.family(
            "mixrec_worker_step_rate", .gauge, help: "Optimizer steps per second of the worker, over its last window.")
        for (labels, throughput) in reported {
            if let rate = throughput.stepRate { out.sample("mixrec_worker_step_rate", labels, rate) }
        }
        let totals: [(String, String, (WorkerThroughputRecord) -> Double)] = [
            ("mixrec_worker_steps_total", "Optimizer steps the worker process has taken.", { Double($0.stepsTotal) }),
            (
                "mixrec_worker_allreduce_bytes_total", "Gradient bytes the worker has all-reduced with its group.",
                { Double($0.allReduceBytes) }
            ),
            (
                "mixrec_worker_allreduce_seconds_total", "Seconds the worker has spent in all-reduce rounds.",
                { $0.allReduceSeconds }
            ),
        ]
        for (name, help, value) in totals {
            out.family(name, .counter, help: help)
            for (labels, throughput) in reported { out.sample(name, labels, value(throughput)) }
        }
    }

    /// The coordinator's messages received and sent by kind, rejected (answered with an Error) by code, and its peer
    /// connections closed.
    private static func messages(_ snapshot: DashboardSnapshot, into out: inout PrometheusText) {
        let families: [(String, String, String, String)] = [
            (CoordinatorCounters.received, "mixrec_coordinator_messages_received_total", "kind", "Messages received."),
            (CoordinatorCounters.sent, "mixrec_coordinator_messages_sent_total", "kind", "Messages sent."),
            (
                CoordinatorCounters.rejected, "mixrec_coordinator_messages_rejected_total", "code",
                "Messages answered with an Error, by error code."
            ),
            (
                CoordinatorCounters.connections, "mixrec_coordinator_connections_total", "event",
                "Peer connections closed (by the peer, the network, or libzmq for a frame above ZMQ_MAXMSGSIZE)."
            ),
        ]
        for (counter, name, label, help) in families {
            out.family(name, .counter, help: "Coordinator: " + help)
            for record in snapshot.counters where record.name == counter {
                out.sample(name, [(label, record.label)], Double(record.value))
            }
        }
    }

    private static func labels(of worker: StoredWorker) -> [(String, String)] {
        [("worker", worker.id), ("host", worker.host)]
    }
}
