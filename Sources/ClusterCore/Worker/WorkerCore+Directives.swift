/// One run of a trial: the trial and the attempt that runs it (a re-run after a failure is a new attempt).
public struct RunID: Hashable, Sendable, CustomStringConvertible {
    public var trial: TrialID
    public var attempt: Int

    public init(trial: TrialID, attempt: Int) {
        self.trial = trial
        self.attempt = attempt
    }

    public var description: String { "\(self.trial) attempt \(self.attempt)" }
}

extension TrialJob {
    /// The run this job trains.
    public var run: RunID { RunID(trial: self.trial, attempt: self.attempt) }
}

/// How a run's training thread ended, as that thread saw it when the runner returned.
public enum RunEnd: Equatable, Sendable {
    /// Every epoch trained and the run was not cancelled: the final metrics, the epochs and the run's seconds.
    case finished(Metrics, epochs: Int, seconds: Double)
    /// The runner threw and the run was not cancelled.
    case failed(reason: String, retryable: Bool)
    /// The run was cancelled, or the runner said it stopped: there is nothing to report.
    case cancelled
}

/// What happens to a worker: the coordinator's messages (already validated and decoded), its runs' ends, and the
/// passing of time.
public enum WorkerEvent: Equatable, Sendable {
    /// The periodic check of what is due (Hello, heartbeat, progress display); call it about every poll interval.
    case tick
    /// The coordinator registered this worker: its heartbeat interval and busy-worker timeout (nil: it sent none).
    case welcome(heartbeatInterval: Duration, busyDeadAfter: Duration?)
    /// The coordinator answered `.notRegistered`: it restarted, or declared this worker dead.
    case notRegistered
    /// The coordinator assigned a run (its `peerTimeout` is filled in by the core).
    case assignment(TrialJob)
    /// The coordinator cancelled a run (pruned, reassigned, or its group lost a member).
    case cancel(RunID)
    /// The coordinator's Shutdown, or the process was told to stop: drop the pending run and
    /// cancel the current one; the worker is done once that has returned (`WorkerCore.isDone`).
    case shutdown
    /// A run's training thread returned.
    case runEnded(TrialJob, RunEnd)
    /// The shell holds back the run's result (`.reportResult`) until its last checkpoint upload is acknowledged: the
    /// run stays this worker's, and heartbeats name it as busy, until `.resultReleased`, a cancel of it or Shutdown.
    case resultHeld(RunID)
    /// The shell sent the result it held for the run (its checkpoint upload was acknowledged or given up on).
    case resultReleased(RunID)
}

/// What the worker's shell must carry out, in order.
public enum WorkerDirective: Equatable, Sendable {
    /// Send Hello (built from the worker's settings).
    case sendHello
    /// Send a heartbeat with the worker's totals, naming the run it trains or whose result it holds (nil: idle) with
    /// that run's position.
    case sendHeartbeat(busyWith: RunID?)
    /// Start training `job` on a new thread.
    case startRun(TrialJob)
    /// Raise the run's cancel flag; its thread returns at its next check and ends with `.runEnded`.
    case cancelRun(RunID)
    /// Send the run's TrialResult.
    case reportResult(RunID, Metrics, epochs: Int, seconds: Double)
    /// Send the run's TrialFailure.
    case reportFailure(RunID, reason: String, retryable: Bool)
    /// Show the run's progress (the display callback, if any).
    case showProgress(RunID)
}
