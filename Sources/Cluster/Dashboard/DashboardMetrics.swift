/// The `/metrics` page: the study's state as Prometheus gauges and counters.
///
/// Exposes what the study database records. Not exposed (the database does not record them yet): per-worker step
/// rates, all-reduce bytes and seconds, and per-type counts of coordinator messages and rejected messages; event
/// counts by kind stand in for the coordinator's activity.
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

        out.family("mixrec_study_events_total", .counter, help: "Events in the study log by kind.")
        for (kind, count) in eventCounts.sorted(by: { $0.key < $1.key }) {
            out.sample("mixrec_study_events_total", [("kind", kind)], Double(count))
        }
        return out.text
    }

    private static func labels(of worker: StoredWorker) -> [(String, String)] {
        [("worker", worker.id), ("host", worker.host)]
    }
}
