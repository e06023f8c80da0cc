/// A worker's run as a progress display shows it: epochs, steps, the estimated time left.
public struct WorkerProgress: Sendable, Equatable {
    public var trial: TrialID
    public var attempt: Int
    /// Completed epochs of the trial.
    public var epoch: Int
    public var maxEpochs: Int
    /// Epochs already done when this run started (it resumed from a checkpoint).
    public var firstEpoch: Int
    /// Optimizer steps within the current epoch.
    public var step: Int
    /// Steps the last completed epoch of this run took; nil before one completed.
    public var stepsPerEpoch: Int?
    /// Seconds since this run started.
    public var seconds: Double
    /// The metrics of the last completed epoch.
    public var metrics: Metrics

    public init(
        trial: TrialID, attempt: Int, epoch: Int, maxEpochs: Int, firstEpoch: Int, step: Int, stepsPerEpoch: Int?,
        seconds: Double, metrics: Metrics
    ) {
        self.trial = trial
        self.attempt = attempt
        self.epoch = epoch
        self.maxEpochs = maxEpochs
        self.firstEpoch = firstEpoch
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.seconds = seconds
        self.metrics = metrics
    }

    /// Completed epochs plus the part of the current one the steps show (when an epoch's length is known).
    public var epochsDone: Double {
        guard let steps = self.stepsPerEpoch, steps > 0, self.epoch < self.maxEpochs else { return Double(self.epoch) }
        return Double(self.epoch) + min(1, Double(self.step) / Double(steps))
    }

    /// The fraction of the trial done, in 0...1.
    public var fraction: Double {
        self.maxEpochs > 0 ? min(1, max(0, self.epochsDone / Double(self.maxEpochs))) : 0
    }

    /// Seconds left at this run's pace so far; nil until the run has made progress.
    public var secondsLeft: Double? {
        let done = self.epochsDone - Double(self.firstEpoch)
        guard done > 0, self.seconds > 0 else { return nil }
        return max(0, Double(self.maxEpochs) - self.epochsDone) * self.seconds / done
    }
}
