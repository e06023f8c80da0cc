/// The median stopping rule: prune a trial whose value at an epoch is below the median of the other trials'
/// values at that epoch (larger is better). A stand-in until the Search module's pruners are merged.
public struct MedianPruner: TrialPruner, Sendable {
    /// Other trials that must have reported the epoch before any comparison.
    public var warmupTrials: Int
    /// Epochs a trial trains before it can be pruned.
    public var warmupEpochs: Int

    public init(warmupTrials: Int, warmupEpochs: Int) {
        self.warmupTrials = warmupTrials
        self.warmupEpochs = warmupEpochs
    }

    public func shouldPrune(trial: TrialID, epoch: Int, curves: [TrialID: [Int: Double]]) -> Bool {
        guard epoch > self.warmupEpochs, let value = curves[trial]?[epoch] else { return false }
        let others = curves.compactMap { id, curve in id == trial ? nil : curve[epoch] }.sorted()
        guard others.count >= self.warmupTrials else { return false }
        let middle = others.count / 2
        let median = others.count % 2 == 1 ? others[middle] : (others[middle - 1] + others[middle]) / 2
        return value < median
    }
}

/// The pruner a study config chose.
public struct ConfiguredPruner: TrialPruner, Sendable {
    let median: MedianPruner?

    /// The pruner `config.pruner` names.
    public init(_ config: StudyConfig) {
        switch config.pruner {
        case .none: self.median = nil
        case .median:
            self.median = MedianPruner(warmupTrials: config.prunerWarmupTrials, warmupEpochs: config.prunerWarmupEpochs)
        }
    }

    public func shouldPrune(trial: TrialID, epoch: Int, curves: [TrialID: [Int: Double]]) -> Bool {
        self.median?.shouldPrune(trial: trial, epoch: epoch, curves: curves) ?? false
    }
}
